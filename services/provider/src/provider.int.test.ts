import { randomBytes } from 'node:crypto';
import { databaseName, serverUrls } from '@incident-lab/config';
import { createPool, dropDatabase, migrate, type Pool } from '@incident-lab/db';
import { type InMemoryFlags, startFlagsInMemory } from '@incident-lab/flags';
import { internalAuth } from '@incident-lab/http-client';
import { type Listening, listen } from '@incident-lab/service-kit';
import { createLogger } from '@incident-lab/telemetry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app';
import { PROVIDER_FLAGS } from './flags';
import { providerMetrics } from './metrics';
import { MIGRATIONS } from './migrations';

const { mysqlUrl } = serverUrls();
const database = databaseName(`prtest_${process.pid}`, 'provider_primary');
const logger = createLogger('provider-test');
logger.level = 'silent';
const INTERNAL_TOKEN = randomBytes(24).toString('hex');
const internal = internalAuth(INTERNAL_TOKEN);

let pool: Pool;
let server: Listening;
let flags: InMemoryFlags<typeof PROVIDER_FLAGS>;

beforeAll(async () => {
  await migrate({ url: mysqlUrl, database, ...MIGRATIONS });
  pool = createPool({ url: mysqlUrl, database });
  flags = await startFlagsInMemory('provider-test', PROVIDER_FLAGS);
  server = await listen(
    createApp({
      pool,
      flags: flags.flags,
      logger,
      instance: 'primary',
      metrics: providerMetrics(),
      internalToken: INTERNAL_TOKEN,
    }),
  );
});

afterAll(async () => {
  await server.close();
  await pool.end();
  await dropDatabase(mysqlUrl, database);
});

beforeEach(() => {
  flags.set({
    'provider-outage': 'off',
    'provider-error-rate': 'none',
    'provider-drop-response': 'none',
    'provider-fault-target': 'primary',
  });
});

let sequence = 0;
function charge(
  body = {
    reference: `ref-${++sequence}`,
    orderId: crypto.randomUUID(),
    amountCents: 1200,
    customer: 'user-1',
  },
) {
  return {
    reference: body.reference,
    body,
    sent: fetch(`${server.url}/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...internal },
      body: JSON.stringify(body),
    }),
  };
}

async function ledger(reference: string) {
  const response = await fetch(`${server.url}/charges?reference=${reference}`, { headers: internal });
  return ((await response.json()) as { charges: unknown[] }).charges;
}

describe('the simulated provider and its fault flags', () => {
  it('refuses an amount its ledger cannot hold with 400, and records nothing', async () => {
    const reference = `ref-huge-${++sequence}`;
    const { sent } = charge({
      reference,
      orderId: crypto.randomUUID(),
      amountCents: 2_147_483_648,
      customer: 'user-1',
    });
    const response = await sent;
    expect(response.status).toBe(400);
    expect(
      ((await response.json()) as { 'invalid-params': Array<{ name: string }> })['invalid-params'],
    ).toEqual([expect.objectContaining({ name: 'amountCents' })]);
    expect(await ledger(reference)).toEqual([]);
  });

  it('charges and records the charge in its ledger under the reference', async () => {
    const { reference, sent } = charge();
    const response = await sent;
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ reference, status: 'CHARGED', provider: 'primary' });
    expect(await ledger(reference)).toEqual([
      expect.objectContaining({ reference, amountCents: 1200, customer: 'user-1' }),
    ]);
  });

  it('is down during an outage: 503 with Retry-After, and nothing charged', async () => {
    flags.set({ 'provider-outage': 'on' });
    const { reference, sent } = charge();
    const response = await sent;
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await ledger(reference)).toEqual([]);
  });

  it('ignores faults aimed at the other instance', async () => {
    flags.set({ 'provider-outage': 'on', 'provider-fault-target': 'backup' });
    expect((await charge().sent).status).toBe(201);
  });

  it('fails with 500 before charging at an error rate of 1', async () => {
    flags.set({ 'provider-error-rate': 'all' });
    const { reference, sent } = charge();
    expect((await sent).status).toBe(500);
    expect(await ledger(reference)).toEqual([]);
  });

  it('charges, then drops the response: the caller sees a broken connection, the ledger a charge', async () => {
    flags.set({ 'provider-drop-response': 'all' });
    const { reference, sent } = charge();
    await expect(sent).rejects.toThrow();
    expect(await ledger(reference)).toHaveLength(1);
  });

  it('charges once per reference: a retry gets the first charge back, marked as a replay', async () => {
    const first = charge();
    const original = (await (await first.sent).json()) as { chargeId: string };
    const again = await charge(first.body).sent;
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toMatchObject({ chargeId: original.chargeId });
    expect(await ledger(first.reference)).toHaveLength(1);
  });

  it('charges once when two requests with one reference arrive together', async () => {
    const body = {
      reference: `ref-${++sequence}`,
      orderId: crypto.randomUUID(),
      amountCents: 500,
      customer: 'u',
    };
    const answers = await Promise.all([charge(body).sent, charge(body).sent, charge(body).sent]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
    expect(await ledger(body.reference)).toHaveLength(1);
  });

  it('refuses a known reference with a different amount (422) and charges nothing more', async () => {
    const first = charge();
    await first.sent;
    const response = await charge({ ...first.body, amountCents: 9999 }).sent;
    expect(response.status).toBe(422);
    expect(((await response.json()) as { type: string }).type).toBe('/problems/reference-reused');
    expect(await ledger(first.reference)).toHaveLength(1);
  });

  it('refunds a charge once; refunding again changes nothing', async () => {
    const { chargeId } = (await (await charge().sent).json()) as { chargeId: string };
    const refund = () =>
      fetch(`${server.url}/charges/${chargeId}/refund`, { method: 'POST', headers: internal });
    const first = (await (await refund()).json()) as { status: string; refundedAt: string };
    const second = (await (await refund()).json()) as { status: string; refundedAt: string };
    expect(first.status).toBe('REFUNDED');
    expect(second).toEqual(first);
    expect(
      (
        await fetch(`${server.url}/charges/${crypto.randomUUID()}/refund`, {
          method: 'POST',
          headers: internal,
        })
      ).status,
    ).toBe(404);
  });

  it('lists the charges made since a time, as a statement for reconciliation', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const { reference, sent } = charge();
    await sent;
    const response = await fetch(`${server.url}/charges?since=${encodeURIComponent(before)}`, {
      headers: internal,
    });
    const { charges } = (await response.json()) as { charges: Array<{ reference: string }> };
    expect(charges.map((each) => each.reference)).toContain(reference);
    const future = new Date(Date.now() + 60_000).toISOString();
    const later = (await (
      await fetch(`${server.url}/charges?since=${future}`, { headers: internal })
    ).json()) as {
      charges: unknown[];
    };
    expect(later.charges).toEqual([]);
  });

  it('refuses charges, refunds and ledger reads without the internal token (401), and changes nothing', async () => {
    const { chargeId } = (await (await charge().sent).json()) as { chargeId: string };
    const anonymous = [
      fetch(`${server.url}/charges/${chargeId}/refund`, { method: 'POST' }),
      fetch(`${server.url}/charges?since=2000-01-01T00:00:00Z`),
      fetch(`${server.url}/charges`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer guessed-token' },
        body: JSON.stringify({
          reference: 'anon',
          orderId: crypto.randomUUID(),
          amountCents: 100,
          customer: 'x',
        }),
      }),
    ];
    for (const response of await Promise.all(anonymous)) {
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const [row] = (await pool.query('SELECT status FROM charges WHERE id = ?', [chargeId]))[0] as Array<{
      status: string;
    }>;
    expect(row?.status).toBe('CHARGED');
    expect(await ledger('anon')).toEqual([]);
  });
});
