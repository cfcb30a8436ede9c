import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { databaseName, SCHEMA_OWNERS } from '@incident-lab/config';
import { dropDatabase, type RowDataPacket } from '@incident-lab/db';
import { copyShippedFlagFile, SHIPPED_FLAG_FILE } from '@incident-lab/flags';
import { Broker, deleteTopology, envelope, purgeQueues, queueDepths } from '@incident-lab/messaging';
import { catalogueCacheKey } from '@incident-lab/storefront/cache-key';
import { createLogger } from '@incident-lab/telemetry';
import { createClient } from '@redis/client';
import { afterAll, describe, expect, it } from 'vitest';
import { labOptions } from './settings/lab-options';
import { withPool } from './shop-data/data';

const LAB = path.join(__dirname, '../bin/lab.js');
// Ports of its own (4700…): the e2e labs, which may run at the same time, use 4100, 4300 and 4600.
const namespace = `clitest_${process.pid}`;
// Its state (and secrets) in a folder of its own, not the repository's `.lab/`.
const stateRoot = mkdtempSync(path.join(tmpdir(), 'lab-cli-state-'));
const options = labOptions({ ...process.env, LAB_STATE_DIR: stateRoot }, { namespace, portBase: 4700 });

/** Runs the real CLI binary; resolves with its exit code and output, whatever the code. */
async function lab(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [LAB, ...args], {
      env: {
        ...process.env,
        LAB_NAMESPACE: namespace,
        LAB_PORT_BASE: '4700',
        LAB_STATE_DIR: stateRoot,
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const count = (owner: Parameters<typeof withPool>[1], sql: string) =>
  withPool(options, owner, async (pool) => Number((await pool.query<RowDataPacket[]>(sql))[0][0]?.n));

afterAll(async () => {
  for (const owner of SCHEMA_OWNERS) await dropDatabase(options.mysqlUrl, databaseName(namespace, owner));
  await deleteTopology(options.amqpUrl, namespace);
  await rm(stateRoot, { recursive: true, force: true });
});

describe('lab CLI', () => {
  it('explains every command in --help', async () => {
    const { code, stdout } = await lab(['--help']);
    expect(code).toBe(0);
    for (const command of [
      'lab up',
      'lab status',
      'lab seed',
      'lab flags list',
      'lab flags set',
      'lab reset',
      'lab run',
      'lab check',
      'lab chaos',
      'lab capacity',
      'lab backfill invoices',
      'lab replay',
      'lab repair stale-prices',
      'lab secrets',
    ]) {
      expect(stdout).toContain(command);
    }
  });

  it('makes the lab’s secrets once, owner-only, and prints the same ones every time', async () => {
    const first = await lab(['secrets']);
    expect(first.code).toBe(0);
    const lines = first.stdout.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/^SESSION_SECRET=[\w-]{43}$/),
      expect.stringMatching(/^INTERNAL_TOKEN=[\w-]{43}$/),
    ]);
    expect((await lab(['secrets'])).stdout).toBe(first.stdout);
    const file = path.join(stateRoot, namespace, 'secrets.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The CLI's own calls use them: what it printed is what its options hold.
    expect(lines[1]).toBe(`INTERNAL_TOKEN=${options.secrets.internalToken}`);
    const fresh = await lab(['secrets', '--new']);
    expect(fresh.stdout).not.toBe(first.stdout);
    expect((await lab(['secrets'])).stdout).toBe(first.stdout);
  });

  it('refuses a flag value outside its variants, lists the valid ones and leaves the file untouched', async () => {
    const file = await copyShippedFlagFile();
    const before = await readFile(file, 'utf8');
    const env = { FLAGD_OFFLINE_FLAG_SOURCE_PATH: file };
    const refused = await lab(['flags', 'set', 'provider-outage=maybe'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      '"maybe" is not a variant of provider-outage; valid: off (false), on (true)',
    );
    expect(await readFile(file, 'utf8')).toBe(before);

    const set = await lab(['flags', 'set', 'provider-outage=on'], env);
    expect(set.code).toBe(0);
    const listed = await lab(['flags', 'list', '--json'], env);
    const outage = JSON.parse(listed.stdout).flags.find(
      (flag: { key: string }) => flag.key === 'provider-outage',
    );
    expect(outage).toMatchObject({ variant: 'on', value: true });
  });

  it("keeps the learner's flags in the lab's own copy: the shipped file is never written, reset puts them back", async () => {
    const shipped = await readFile(SHIPPED_FLAG_FILE, 'utf8');
    expect((await lab(['flags', 'set', 'db-pool-shedding=on', 'provider-outage=on'])).code).toBe(0);
    const mine = path.join(stateRoot, namespace, 'flags.json');
    expect(JSON.parse(await readFile(mine, 'utf8')).flags['db-pool-shedding'].defaultVariant).toBe('on');
    expect(await readFile(SHIPPED_FLAG_FILE, 'utf8')).toBe(shipped);
    // The list says where a flag differs from the shipped one; reset takes every flag back.
    expect((await lab(['flags', 'list'])).stdout).toContain('provider-outage = on (true)   (shipped: off)');
    expect((await lab(['flags', 'reset', 'now'])).stderr).toContain('lab flags reset takes no arguments');
    expect((await lab(['flags', 'reset'])).code).toBe(0);
    expect((await lab(['flags', 'list'])).stdout).not.toContain('(shipped:');
    expect(await readFile(mine, 'utf8')).toBe(shipped);
  });

  it('on a Node older than the lab needs, says which one it needs and how to get it', async () => {
    // A preload that makes this Node say it is 20, as the machine's system Node is.
    const old = path.join(stateRoot, 'node-20.cjs');
    await writeFile(
      old,
      "Object.defineProperty(process, 'version', { value: 'v20.20.2' });\n" +
        "Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });\n",
    );
    const { code, stderr } = await lab(['status'], { NODE_OPTIONS: `--require ${old}` });
    expect(code).toBe(1);
    expect(stderr).toContain('incident-lab needs Node.js 24 or newer (>=24.11); this is v20.20.2.');
    expect(stderr).toContain('npm install --prefix ~/.node24 node@24');
  });

  it('names a bad option value and shows the usage', async () => {
    const { code, stderr } = await lab(['seed', '--orders', 'lots']);
    expect(code).toBe(2);
    expect(stderr).toContain('--orders must be a whole number');
    expect(stderr).toContain('lab seed [--orders N]');
    const run = await lab(['run', 'cascading', '--client', 'sometimes']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--client must be one of give-up, retry, retry-after, got "sometimes"');
    const unknown = await lab(['run', 'chaos']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('name a lab to run: smoke, cascading, partial, silent (not "chaos":');
    expect(unknown.stderr).toContain('lab chaos');
    const phase = await lab(['chaos', '--phase', 'sometimes']);
    expect(phase.code).toBe(2);
    expect(phase.stderr).toContain('--phase must be broken, fixed or both, got "sometimes"');
    expect(phase.stderr).toContain('lab chaos [--phase broken|fixed|both]');
    const rate = await lab(['chaos', '--rate', '0']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain('--rate must be checkouts per second');
    const ladderOfOne = await lab(['run', 'smoke', '--ladder']);
    expect(ladderOfOne.code).toBe(2);
    expect(ladderOfOne.stderr).toContain(
      'smoke has no fixes: a ladder needs two or more (labs with a ladder: cascading, partial, silent)',
    );
    const ladderAndPhase = await lab(['run', 'partial', '--ladder', '--phase', 'fixed']);
    expect(ladderAndPhase.code).toBe(2);
    expect(ladderAndPhase.stderr).toContain('--ladder runs its own phases: leave out --phase and --flags');
  });

  it('refuses a capacity run it cannot carry out, naming the option and the range', async () => {
    const negative = await lab(['capacity', '--start=-5']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--start must be requests per second, above 0 and at most 1000');
    expect(negative.stderr).toContain('lab capacity [--phase broken|fixed|both]');
    const tooMuch = await lab(['capacity', '--max-rate', '5000']);
    expect(tooMuch.stderr).toContain('more than one load generator on this machine can send), got "5000"');
    const inverted = await lab(['capacity', '--start', '50', '--max-rate', '20']);
    expect(inverted.stderr).toContain('--max-rate (20) must be at least --start (50)');
    const shortStep = await lab(['capacity', '--step-s', '1']);
    expect(shortStep.stderr).toContain('--step-s must be whole seconds from 3 to 300, got "1"');
    const phase = await lab(['capacity', '--phase', 'half']);
    expect(phase.stderr).toContain('--phase must be broken, fixed or both, got "half"');
    for (const refused of [tooMuch, inverted, shortStep, phase]) expect(refused.code).toBe(2);
  });

  it('says in its own words what is wrong with a negative number, a stray word or a trailing comma', async () => {
    const negative = await lab(['seed', '--orders', '-5']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--orders was given a value starting with "-": it takes a number ≥ 0');
    expect(negative.stderr).not.toContain('ambiguous');
    const duration = await lab(['run', 'smoke', '--duration', '-3']);
    expect(duration.stderr).toContain('--duration was given a value starting with "-"');
    const stray = await lab(['seed', '500']);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("Unexpected argument '500'");
    const flagFile = await copyShippedFlagFile();
    const comma = await lab(['flags', 'set', 'provider-outage=on,'], {
      FLAGD_OFFLINE_FLAG_SOURCE_PATH: flagFile,
    });
    expect(comma.code, comma.stderr).toBe(0);
  });

  it('replays what was parked: lists why each message died, moves nothing on a dry run, sends it back where it belongs', async () => {
    const logger = createLogger('cli-test');
    logger.level = 'silent';
    const broker = await Broker.connect({ url: options.amqpUrl, namespace, logger });
    const invoicing = `${namespace}.invoicing.payment-completed`;
    const failed = envelope('payment.completed', { paymentId: 'pay-replay-1', orderId: 'ord-1' });
    const renamed = envelope('payment.succeeded', { paymentId: 'pay-replay-2' });
    try {
      // Parked as the shop's consumers park them: the queue it failed on and the reason, in headers.
      await broker.publish('', `${namespace}.dead-letter`, failed, {
        headers: { 'x-failed-queue': invoicing, 'x-failure-reason': 'template failed for customer 7' },
      });
      await broker.publishEvent(renamed, { mandatory: true });
      const depth = async (queue: string) => (await queueDepths(options.amqpUrl, namespace))[queue];
      await expect.poll(() => depth(`${namespace}.unroutable`), { timeout: 10_000 }).toBe(1);

      const rate = await lab(['replay', '--rate', '0']);
      expect(rate.code).toBe(2);
      expect(rate.stderr).toContain(
        '--rate must be a whole number of messages a second from 1 to 1000, got "0"',
      );

      const dry = await lab(['replay', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`payment.completed ${failed.id} (payment pay-replay-1, order ord-1)`);
      expect(dry.stdout).toContain('why: template failed for customer 7');
      expect(dry.stdout).toContain(`to:  ${invoicing}`);
      expect(dry.stdout).toContain('why: unroutable: no queue was bound to its routing key');
      expect(dry.stdout).toContain('2 would be replayed, 0 left parked; nothing moved (--dry-run).');
      expect(await depth(`${namespace}.dead-letter`)).toBe(1);

      // No queue listens to payment.succeeded yet: that one stays, and the exit status says so.
      const replayed = await lab(['replay']);
      expect(replayed.code).toBe(1);
      expect(replayed.stdout).toContain('1 replayed, 1 left parked.');
      expect(replayed.stdout).toContain('still no queue listens to it: kept');
      expect(await depth(invoicing)).toBe(1);
      expect(await depth(`${namespace}.dead-letter`)).toBe(0);
      expect(await depth(`${namespace}.unroutable`)).toBe(1);
    } finally {
      await broker.close();
      // The next tests count the queues from empty.
      await purgeQueues(options.amqpUrl, namespace);
    }
  });

  it('names what is wrong with a repair: an unknown one, a lab that is not up', async () => {
    const unknown = await lab(['repair', 'prices']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('name what to repair: stale-prices (not "prices")');
    expect(unknown.stderr).toContain('lab repair stale-prices [--dry-run] [--json]');
    const down = await lab(['repair', 'stale-prices', '--dry-run']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(
      'storefront does not answer at http://127.0.0.1:4700 (is the lab up? npx lab up)',
    );
  });

  it('will not start a lab without Redis, and says which URL it tried', async () => {
    const { code, stderr } = await lab(['up', '--no-console'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(code).toBe(1);
    expect(stderr).toContain('Redis is not reachable at redis://127.0.0.1:1 (REDIS_URL)');
    expect(stderr).toContain('docker compose up -d mysql rabbitmq redis');
  });

  it('reports services that are not running as not ready, with exit status 1', async () => {
    const { code, stdout } = await lab(['status', '--json']);
    expect(code).toBe(1);
    const { services } = JSON.parse(stdout);
    expect(services).toHaveLength(6);
    expect(services[0]).toEqual({ service: 'storefront', url: 'http://127.0.0.1:4700', ready: false });
  });

  it("refuses --observe on a port something else answers, instead of taking its alerts for the lab's", async () => {
    const other = createServer((_request, response) => response.end('another prometheus'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const { port } = other.address() as AddressInfo;
    try {
      const { code, stderr } = await lab(['run', 'smoke', '--observe', '--prometheus-port', String(port)]);
      expect(code).toBe(1);
      expect(stderr).toContain(`port ${port} already answers (another Prometheus?)`);
      expect(stderr).toContain('--prometheus-port');
    } finally {
      other.close();
    }
  });

  it('seeds a history of exactly N orders however often it runs, and says what it did', async () => {
    const history = () => count('storefront', "SELECT COUNT(*) AS n FROM orders WHERE origin = 'history'");
    expect((await lab(['seed', '--orders', '500'])).stdout).toMatch(
      /history 500 orders \(was \d+, (added \d+|unchanged)\)/,
    );
    expect((await lab(['seed', '--orders', '500'])).stdout).toContain(
      'history 500 orders (was 500, unchanged)',
    );
    expect(await history()).toBe(500);
    expect((await lab(['seed', '--orders', '300'])).stdout).toContain(
      'history 300 orders (was 500, removed 200)',
    );
    expect(await history()).toBe(300);
    expect(
      await count(
        'storefront',
        'SELECT COUNT(*) AS n FROM order_items i LEFT JOIN orders o ON o.id = i.order_id WHERE o.id IS NULL',
      ),
    ).toBe(0);
  });

  it('seeds history, and reset empties what the shop wrote but keeps the catalog and history', async () => {
    expect((await lab(['seed', '--orders', '300'])).code).toBe(0);
    await withPool(options, 'storefront', (pool) =>
      pool.query("INSERT INTO orders (id, user_id, status, total_cents) VALUES (UUID(), 1, 'PAID', 100)"),
    );
    await withPool(options, 'provider_primary', (pool) =>
      pool.query(
        "INSERT INTO charges (id, reference, order_id, amount_cents, customer) VALUES (UUID(), 'r', UUID(), 100, 'c')",
      ),
    );
    const logger = createLogger('cli-test');
    logger.level = 'silent';
    const broker = await Broker.connect({ url: options.amqpUrl, namespace, logger });
    await broker.publishEvent(envelope('payment.completed', { paymentId: 'x' }));
    await broker.close();

    // Staff changed a price, and the catalogue cache holds it.
    await withPool(options, 'storefront', async (pool) => {
      await pool.query('UPDATE products SET price_cents = 12345, price_version = 2 WHERE id = 1');
      await pool.query('UPDATE price_history SET valid_until = NOW(3) WHERE product_id = 1');
      await pool.query(
        'INSERT INTO price_history (product_id, version, price_cents, valid_from) VALUES (1, 2, 12345, NOW(3))',
      );
    });
    const redis = createClient({ url: options.redisUrl });
    await redis.connect();
    await redis.hSet(
      catalogueCacheKey(namespace),
      '1',
      JSON.stringify({ id: 1, priceCents: 12345, version: 2 }),
    );

    const { code, stdout } = await lab(['reset']);
    expect(code).toBe(0);
    expect(await redis.exists(catalogueCacheKey(namespace))).toBe(0);
    redis.destroy();
    expect(await count('storefront', 'SELECT price_cents AS n FROM products WHERE id = 1')).toBe(1400);
    expect(await count('storefront', 'SELECT COUNT(*) AS n FROM price_history WHERE product_id = 1')).toBe(1);
    expect(stdout).toContain(`${namespace}.invoicing.payment-completed: 1`);
    expect(await count('storefront', "SELECT COUNT(*) AS n FROM orders WHERE origin = 'checkout'")).toBe(0);
    expect(await count('storefront', "SELECT COUNT(*) AS n FROM orders WHERE origin = 'history'")).toBe(300);
    // 20 customers and the staff member, kept.
    expect(await count('storefront', 'SELECT COUNT(*) AS n FROM users')).toBe(21);
    expect(await count('provider_primary', 'SELECT COUNT(*) AS n FROM charges')).toBe(0);
    expect(Object.values(await queueDepths(options.amqpUrl, namespace))).toEqual([0, 0, 0, 0, 0]);
  });

  it('marks a flag change on Grafana as an annotation when Grafana answers', async () => {
    // A stand-in for Grafana's annotation API (Grafana itself runs only under docker compose).
    const received: Array<{ auth?: string; body: { text: string; tags: string[] } }> = [];
    const grafana = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        if (request.url === '/api/annotations')
          received.push({ auth: request.headers.authorization, body: JSON.parse(body) });
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"id":1}');
      });
    });
    await new Promise<void>((resolve) => grafana.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(grafana.address() as AddressInfo).port}`;
    const file = await copyShippedFlagFile();
    const { code, stdout } = await lab(['flags', 'set', 'db-pool-shedding=on'], {
      FLAGD_OFFLINE_FLAG_SOURCE_PATH: file,
      LAB_GRAFANA_URL: url,
    });
    await new Promise((resolve) => grafana.close(resolve));
    expect(code).toBe(0);
    expect(stdout).toContain(`Marked on Grafana (${url})`);
    expect(received).toEqual([
      {
        auth: `Basic ${Buffer.from('admin:admin').toString('base64')}`,
        body: expect.objectContaining({
          text: 'flags: db-pool-shedding=on',
          tags: ['incident-lab', 'flags'],
        }),
      },
    ]);
  });
});
