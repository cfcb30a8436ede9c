import path from 'node:path';
import { SERVICE_NAMES, type ServiceName } from '@incident-lab/config';
import { drillOverlayFile, type LabOptions, portOf, urlOf } from './lab-options';

export interface ServiceProcess {
  name: ServiceName;
  /** The compiled entry point of the service's package. */
  main: string;
  env: Record<string, string>;
  url: string;
}

const PACKAGE_OF: Record<ServiceName, string> = {
  storefront: '@incident-lab/storefront',
  payments: '@incident-lab/payments',
  'provider-primary': '@incident-lab/provider',
  'provider-backup': '@incident-lab/provider',
  invoicing: '@incident-lab/invoicing',
  reconciler: '@incident-lab/reconciler',
};

export function packageDir(packageName: string): string {
  return path.dirname(require.resolve(`${packageName}/package.json`));
}

/** Each process of the lab with the environment that wires it to the others. */
export function labServices(options: LabOptions): ServiceProcess[] {
  const shared = {
    MYSQL_URL: options.mysqlUrl,
    AMQP_URL: options.amqpUrl,
    REDIS_URL: options.redisUrl,
    LAB_NAMESPACE: options.namespace,
    HOST: options.host,
    FLAGD_OFFLINE_FLAG_SOURCE_PATH: options.flagFile,
    LAB_DRILL_OVERLAY: drillOverlayFile(options),
    STOREFRONT_URL: urlOf(options, 'storefront'),
    PAYMENTS_URL: urlOf(options, 'payments'),
    PROVIDER_PRIMARY_URL: urlOf(options, 'provider-primary'),
    PROVIDER_BACKUP_URL: urlOf(options, 'provider-backup'),
    INTERNAL_TOKEN: options.secrets.internalToken,
  };
  return SERVICE_NAMES.map((name) => ({
    name,
    main: path.join(packageDir(PACKAGE_OF[name]), 'dist/main.js'),
    url: urlOf(options, name),
    env: {
      ...shared,
      PORT: String(portOf(options, name)),
      OTEL_SERVICE_NAME: name,
      ...(name === 'storefront' ? { SESSION_SECRET: options.secrets.sessionSecret } : {}),
      ...(name.startsWith('provider-') ? { PROVIDER_INSTANCE: name.replace('provider-', '') } : {}),
    },
  }));
}
