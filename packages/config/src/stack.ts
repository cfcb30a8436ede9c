/**
 * The shape of the lab stack, in one place: which processes run, on which default ports, and how a
 * namespace maps to database schemas. A namespace lets tests run a whole second shop on the same
 * MySQL and RabbitMQ without touching the learner's own.
 */
export const SERVICE_NAMES = [
  'storefront',
  'payments',
  'provider-primary',
  'provider-backup',
  'invoicing',
  'reconciler',
] as const;

export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DEFAULT_PORTS: Record<ServiceName, number> = {
  storefront: 3000,
  payments: 3001,
  'provider-primary': 3002,
  'provider-backup': 3003,
  invoicing: 3004,
  reconciler: 3005,
};

export const DEFAULT_NAMESPACE = 'lab';
export const DEFAULT_MYSQL_URL = 'mysql://root@127.0.0.1:3306';
export const DEFAULT_AMQP_URL = 'amqp://guest:guest@127.0.0.1:5672';
/** Storefront's catalogue cache; a namespace's keys start with `<namespace>:`. */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** The MySQL, RabbitMQ and Redis servers from MYSQL_URL, AMQP_URL and REDIS_URL, defaulting to the local ones. */
export function serverUrls(env: NodeJS.ProcessEnv = process.env): {
  mysqlUrl: string;
  amqpUrl: string;
  redisUrl: string;
} {
  return {
    mysqlUrl: env.MYSQL_URL ?? DEFAULT_MYSQL_URL,
    amqpUrl: env.AMQP_URL ?? DEFAULT_AMQP_URL,
    redisUrl: env.REDIS_URL ?? DEFAULT_REDIS_URL,
  };
}

/** Who owns a schema: each service has its own, and each provider instance keeps its own ledger. */
export type SchemaOwner =
  | 'storefront'
  | 'payments'
  | 'invoicing'
  | 'reconciler'
  | 'provider_primary'
  | 'provider_backup';

export const SCHEMA_OWNERS: readonly SchemaOwner[] = [
  'storefront',
  'payments',
  'invoicing',
  'reconciler',
  'provider_primary',
  'provider_backup',
];

/** A namespace becomes part of schema and queue names: lower-case letters, digits and _ only. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,30}$/;

export function databaseName(namespace: string, owner: SchemaOwner): string {
  if (!NAMESPACE_PATTERN.test(namespace)) {
    throw new Error(
      `namespace "${namespace}" must match ${NAMESPACE_PATTERN} (it becomes part of schema names)`,
    );
  }
  return `${namespace}_${owner}`;
}
