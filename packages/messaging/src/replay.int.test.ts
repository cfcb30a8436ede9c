import { serverUrls } from '@incident-lab/config';
import { createLogger } from '@incident-lab/telemetry';
import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopology, purgeQueues, queueDepths } from './admin';
import { Broker } from './broker';
import { envelope } from './envelope';
import { replayParked } from './replay';

const { amqpUrl: url } = serverUrls();
const namespace = `replaytest_${process.pid}`;
const invoicingQueue = `${namespace}.invoicing.payment-completed`;
const logger = createLogger('replay-test');
logger.level = 'silent';
let broker: Broker;
/** The consumer's bug: while on, every payment it is given fails (and is dead-lettered after two tries). */
let failing = true;
const handled: string[] = [];

beforeAll(async () => {
  broker = await Broker.connect({ url, namespace, logger });
  await purgeQueues(url, namespace);
  await broker.consume('invoicing', async ({ envelope }) => {
    if (failing) throw new Error('invoice template failed');
    handled.push((envelope.data as { paymentId: string }).paymentId);
  });
});

afterAll(async () => {
  await broker.close();
  await deleteTopology(url, namespace);
});

const depth = async (queue: 'dead-letter' | 'unroutable') =>
  (await queueDepths(url, namespace))[`${namespace}.${queue}`];

/** A message RabbitMQ dead-letters by itself (its TTL ran out on a queue outside the lab's topology). */
async function expireIntoDeadLetter(paymentId: string): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    const queue = `${namespace}.expiring`;
    await channel.assertQueue(queue, {
      durable: false,
      deadLetterExchange: '',
      deadLetterRoutingKey: `${namespace}.dead-letter`,
    });
    const message = envelope('payment.completed', { paymentId });
    channel.sendToQueue(queue, Buffer.from(JSON.stringify(message)), {
      messageId: message.id,
      expiration: '1',
    });
    await channel.waitForConfirms();
    await until(async () => (await channel.checkQueue(queue)).messageCount === 0);
    await channel.deleteQueue(queue);
  } finally {
    await connection.close();
  }
}

describe('replaying parked messages against the real RabbitMQ', () => {
  it('lists each parked message with why it died and where it belongs, and moves nothing on a dry run', async () => {
    await broker.publishEvent(envelope('payment.completed', { paymentId: 'p-1' }));
    await broker.publishEvent(envelope('payment.completed', { paymentId: 'p-2' }));
    await broker.publishEvent(envelope('payment.succeeded', { paymentId: 'p-3' }), { mandatory: true });
    await expireIntoDeadLetter('p-4');
    await until(async () => (await depth('dead-letter')) === 3 && (await depth('unroutable')) === 1);

    const listed = await replayParked(url, namespace, { dryRun: true, ratePerS: 100 });
    const byPayment = Object.fromEntries(listed.entries.map((entry) => [entry.ids.paymentId, entry]));
    expect(byPayment['p-1']).toMatchObject({
      reason: 'invoice template failed',
      destination: { queue: invoicingQueue },
      outcome: 'would-replay',
    });
    expect(byPayment['p-3']).toMatchObject({
      type: 'payment.succeeded',
      destination: { exchange: `${namespace}.events`, routingKey: 'payment.succeeded' },
      outcome: 'would-replay',
    });
    // RabbitMQ's own x-death says why, and names a queue that is not the lab's: nowhere to send it.
    expect(byPayment['p-4']).toMatchObject({ reason: 'rabbitmq: expired', outcome: 'no-destination' });
    expect(listed.counts).toMatchObject({ 'would-replay': 3, 'no-destination': 1, replayed: 0 });
    expect([await depth('dead-letter'), await depth('unroutable')]).toEqual([3, 1]);
  });

  it('after the fix, sends each message back where it belongs; what still routes nowhere stays parked', async () => {
    failing = false;
    const result = await replayParked(url, namespace, { dryRun: false, ratePerS: 100 });
    expect(result.counts).toMatchObject({ replayed: 2, 'still-unroutable': 1, 'no-destination': 1 });
    await until(async () => handled.includes('p-1') && handled.includes('p-2'));
    expect([await depth('dead-letter'), await depth('unroutable')]).toEqual([1, 1]);

    // Once a queue listens under the new name, the unroutable event is delivered too.
    const connection = await amqp.connect(url);
    const channel = await connection.createChannel();
    await channel.bindQueue(invoicingQueue, `${namespace}.events`, 'payment.succeeded');
    try {
      const again = await replayParked(url, namespace, { dryRun: false, ratePerS: 100 });
      expect(again.counts).toMatchObject({ replayed: 1, 'no-destination': 1 });
      await until(async () => handled.includes('p-3'));
    } finally {
      await channel.unbindQueue(invoicingQueue, `${namespace}.events`, 'payment.succeeded');
      await connection.close();
    }
    await purgeQueues(url, namespace);
  });

  it('never loops: a replayed message that is dead-lettered again is reported and kept, until asked again', async () => {
    failing = true;
    await broker.publishEvent(envelope('payment.completed', { paymentId: 'p-5' }));
    await until(async () => (await depth('dead-letter')) === 1);
    // Replayed before the cause is fixed: it fails twice more and comes back.
    expect((await replayParked(url, namespace, { dryRun: false, ratePerS: 100 })).counts.replayed).toBe(1);
    await until(async () => (await depth('dead-letter')) === 1);

    const second = await replayParked(url, namespace, { dryRun: false, ratePerS: 100 });
    expect(second.entries).toEqual([
      expect.objectContaining({ replays: 1, reason: 'invoice template failed', outcome: 'replayed-before' }),
    ]);
    expect(await depth('dead-letter')).toBe(1);

    failing = false;
    const asked = await replayParked(url, namespace, { dryRun: false, ratePerS: 100, again: true });
    expect(asked.counts.replayed).toBe(1);
    await until(async () => handled.includes('p-5'));
    expect(await depth('dead-letter')).toBe(0);
  });

  it('replays at the rate it is given', async () => {
    failing = true;
    for (const paymentId of ['p-6', 'p-7', 'p-8']) {
      await broker.publishEvent(envelope('payment.completed', { paymentId }));
    }
    await until(async () => (await depth('dead-letter')) === 3);
    failing = false;
    const started = Date.now();
    const result = await replayParked(url, namespace, { dryRun: false, ratePerS: 5 });
    expect(result.counts.replayed).toBe(3);
    // Three at five a second: a pause of 200 ms after each.
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
