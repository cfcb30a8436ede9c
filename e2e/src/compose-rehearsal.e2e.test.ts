import path from 'node:path';
import {
  DEFAULT_PORTS,
  databaseName,
  SCHEMA_OWNERS,
  SERVICE_NAMES,
  type ServiceName,
  serverUrls,
} from '@incident-lab/config';
import { dropDatabase } from '@incident-lab/db';
import { copyShippedFlagFile, setFlags } from '@incident-lab/flags';
import { newSecrets, type ServiceProcess, Supervisor } from '@incident-lab/lab';
import { deleteTopology } from '@incident-lab/messaging';
import { loadAccounts, SHOP_ACCOUNTS } from '@incident-lab/scenarios';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose, interpolated, root } from './support/compose-file';
import { waitFor } from './support/test-lab';

/**
 * `docker compose up` rehearsed without Docker: every app service of docker-compose.yml started as a
 * local process with the environment compose gives its container, then guide 00's first steps and
 * k6's setup() against it. What differs, and why: service host names (storefront, mysql, …) map to
 * 127.0.0.1 and the compose ports to 4900…4905 (so a learner's lab can keep 3000…); the namespace is
 * the test's own; flagd, Jaeger and Prometheus do not exist here, so flags come from a copy of the
 * flag file and traces go nowhere. Credentials, seeding and every other variable are compose's.
 */
const PORTS: Record<ServiceName, number> = {
  storefront: 4900,
  payments: 4901,
  'provider-primary': 4902,
  'provider-backup': 4903,
  invoicing: 4904,
  reconciler: 4905,
};
const namespace = `rehearsal_${process.pid}`;
const secrets = newSecrets();
const dotEnv = { SESSION_SECRET: secrets.sessionSecret, INTERNAL_TOKEN: secrets.internalToken };
const { mysqlUrl, amqpUrl } = serverUrls();
let supervisor: Supervisor;
let flagFile: string;
const storefront = `http://127.0.0.1:${PORTS.storefront}`;

/** A compose URL pointed at this machine: `http://payments:3001` → `http://127.0.0.1:4901`. */
function local(value: string): string {
  let url = value;
  for (const name of SERVICE_NAMES)
    url = url.replace(`://${name}:${DEFAULT_PORTS[name]}`, `://127.0.0.1:${PORTS[name]}`);
  return url.replace('@mysql:3306', '@127.0.0.1:3306').replace('@rabbitmq:5672', '@127.0.0.1:5672');
}

function processFor(name: ServiceName): ServiceProcess {
  const service = compose.services[name];
  if (!service?.command?.[0]) throw new Error(`${name} has no command in docker-compose.yml`);
  const env = Object.fromEntries(
    Object.entries(interpolated(service.environment ?? {}, dotEnv)).map(([key, value]) => [
      key,
      local(value),
    ]),
  );
  // What cannot be as compose has it here (see above).
  env.PORT = String(PORTS[name]);
  env.HOST = '127.0.0.1';
  env.LAB_NAMESPACE = namespace;
  delete env.FLAGD_HOST;
  env.FLAGD_OFFLINE_FLAG_SOURCE_PATH = flagFile;
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  env.OTEL_TRACES_EXPORTER = 'none';
  return { name, main: path.join(root, service.command[0]), env, url: `http://127.0.0.1:${PORTS[name]}` };
}

beforeAll(async () => {
  flagFile = await copyShippedFlagFile();
  supervisor = new Supervisor(SERVICE_NAMES.map(processFor), { readyTimeoutMs: 60_000 });
  await supervisor.start();
}, 120_000);

afterAll(async () => {
  await supervisor?.stop();
  for (const owner of SCHEMA_OWNERS) await dropDatabase(mysqlUrl, databaseName(namespace, owner));
  await deleteTopology(amqpUrl, namespace);
});

const login = (email: string) =>
  fetch(`${storefront}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: SHOP_ACCOUNTS.password }),
  });

const order = (token: string) =>
  fetch(`${storefront}/api/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ items: [{ productId: 1, quantity: 2 }] }),
  });

describe('docker compose up, rehearsed', () => {
  it('seeds the shop at start: k6 setup() logs every customer and the staff member in', async () => {
    for (const email of loadAccounts())
      expect((await login(email)).status, `login as ${email} (is the catalog seeded?)`).toBe(200);
  });

  it('follows guide 00: log in, list products, check out, flip a flag and see checkout refused', async () => {
    const token = ((await (await login('user1@shop.test')).json()) as { token: string }).token;
    const products = (await (await fetch(`${storefront}/api/products`)).json()) as { products: unknown[] };
    expect(products.products).toHaveLength(10);
    const paid = await order(token);
    expect(paid.status).toBe(201);
    await setFlags(flagFile, { 'provider-outage': 'on' });
    const refused = await waitFor('checkout refused with the provider down', async () => {
      const answer = await order(token);
      return answer.status === 402 ? answer : undefined;
    });
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});
