import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { serverUrls } from '@incident-lab/config';
import { createLogger } from '@incident-lab/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTopology, parkedMessages, purgeQueues, queueDepths, sweepParked } from './admin';
import { Broker, type Delivery } from './broker';
import { closeLabConnections, labConnections } from './connections';
import { envelope } from './envelope';

const { amqpUrl: url } = serverUrls();
const namespace = `brokertest_${process.pid}`;
const logger = createLogger('broker-test');
logger.level = 'silent';
let broker: Broker;

beforeAll(async () => {
  broker = await Broker.connect({ url, namespace, logger });
});

afterAll(async () => {
  await broker.close();
  await deleteTopology(url, namespace);
});

function nextDeliveries(count: number, handle: (delivery: Delivery) => Promise<void> = async () => {}) {
  const seen: Delivery[] = [];
  const done = new Promise<Delivery[]>((resolve) => {
    void broker.consume('invoicing', async (delivery) => {
      seen.push(delivery);
      try {
        await handle(delivery);
      } finally {
        if (seen.length === count) resolve(seen);
      }
    });
  });
  return done;
}

describe('Broker against the real RabbitMQ', () => {
  it('routes a confirmed payment.completed to the queues bound to it, and not elsewhere', async () => {
    await purgeQueues(url, namespace);
    const message = envelope('payment.completed', { paymentId: 'p-1' });
    await broker.publishEvent(message);
    await broker.publishEvent(envelope('payment.failed', { paymentId: 'p-2' }));
    const depths = await queueDepths(url, namespace);
    expect(depths[`${namespace}.invoicing.payment-completed`]).toBe(1);
    expect(depths[`${namespace}.storefront.payment-events`]).toBe(2);
    expect(depths[`${namespace}.payments.charge-requests`]).toBe(0);
  });

  it('delivers the envelope with its id, retries a failed message once, then dead-letters it with the reason', async () => {
    await purgeQueues(url, namespace);
    const deliveries = nextDeliveries(2, async () => {
      throw new Error('cannot handle this');
    });
    const message = envelope('payment.completed', { paymentId: 'p-3' });
    await broker.publishEvent(message);
    const [first, second] = await deliveries;
    expect(first).toMatchObject({
      messageId: message.id,
      redelivered: false,
      routingKey: 'payment.completed',
    });
    expect(first?.envelope.data).toEqual({ paymentId: 'p-3' });
    expect(second).toMatchObject({ messageId: message.id, redelivered: true });
    await until(async () => (await queueDepths(url, namespace))[`${namespace}.dead-letter`] === 1);
    const depths = await queueDepths(url, namespace);
    expect(depths[`${namespace}.invoicing.payment-completed`]).toBe(0);
    expect(depths[`${namespace}.dead-letter`]).toBe(1);
    expect(
      (await parkedMessages(url, namespace)).map(({ envelope, reason }) => [envelope.id, reason]),
    ).toEqual([[message.id, 'cannot handle this']]);
    const swept = await sweepParked(url, namespace, (parked) => parked.envelope.id === message.id);
    expect(swept).toEqual({ removed: 1, kept: 0 });
  });

  it('drops an event no queue is bound to, unless published mandatory: then it is parked on the unroutable queue', async () => {
    await purgeQueues(url, namespace);
    await broker.publishEvent(envelope('payment.succeeded', { paymentId: 'p-4' }));
    await broker.publishEvent(envelope('payment.succeeded', { paymentId: 'p-5' }), { mandatory: true });
    // The broker returns it; the publisher parks it on the unroutable queue.
    await until(async () => (await queueDepths(url, namespace))[`${namespace}.unroutable`] === 1);
    const depths = await queueDepths(url, namespace);
    // The unguarded publish vanished without a trace; the guarded one waits on the unroutable queue.
    expect(depths[`${namespace}.unroutable`]).toBe(1);
    expect(depths[`${namespace}.invoicing.payment-completed`]).toBe(0);
    expect(depths[`${namespace}.storefront.payment-events`]).toBe(0);
  });

  it('names its connection after the namespace, and comes back with its consumers when the broker closes it', async () => {
    await purgeQueues(url, namespace);
    const consumer = await Broker.connect({ url, namespace, logger, name: 'tester' });
    try {
      const seen: string[] = [];
      await consumer.consume('storefrontSettlement', async ({ envelope }) => {
        seen.push(envelope.id);
      });
      expect((await labConnections(namespace)).map((each) => each.clientName)).toContain(
        `${namespace}:tester`,
      );
      const closed = await closeLabConnections(namespace, 'test: connection cut');
      expect(closed.length).toBeGreaterThanOrEqual(2);
      // Both recover by themselves: the publisher's confirm and the consumer's delivery prove it.
      const message = envelope('payment.failed', { paymentId: 'p-6' });
      await until(async () => {
        await broker.publishEvent(message).catch(() => undefined);
        return seen.includes(message.id);
      });
    } finally {
      await consumer.close();
    }
  });

  it('requeues a message that fails on something transient, however often, without dead-lettering it', async () => {
    await purgeQueues(url, namespace);
    const consumer = await Broker.connect({
      url,
      namespace,
      logger,
      isTransient: (error) => (error as Error).message === 'connection lost',
    });
    try {
      let tries = 0;
      await consumer.consume('chargeRequests', async () => {
        if (++tries <= 3) throw new Error('connection lost');
      });
      await broker.sendCommand(envelope('charge.requested', { paymentId: 'p-7' }));
      await until(
        async () =>
          tries === 4 && (await queueDepths(url, namespace))[`${namespace}.payments.charge-requests`] === 0,
      );
      expect((await queueDepths(url, namespace))[`${namespace}.dead-letter`]).toBe(0);
    } finally {
      await consumer.close();
    }
  });

  it('lets go of a failed message only once the dead-letter queue has confirmed its copy', async () => {
    await purgeQueues(url, namespace);
    const policy = `${namespace}-refuse-dead-letters`;
    const refuse = JSON.stringify({ 'max-length': 0, overflow: 'reject-publish' });
    await rabbitmqctl(['set_policy', '--apply-to', 'queues', policy, `^${namespace}\\.dead-letter$`, refuse]);
    const consumer = await Broker.connect({ url, namespace, logger });
    try {
      let tries = 0;
      await consumer.consume('storefrontSettlement', async () => {
        tries++;
        throw new Error('cannot handle this');
      });
      const message = envelope('payment.failed', { paymentId: 'p-8' });
      await broker.publishEvent(message);
      // The broker refuses the copy, so the original goes back to its queue instead of being lost.
      await until(async () => tries >= 4);
      await rabbitmqctl(['clear_policy', policy]);
      await until(async () => (await queueDepths(url, namespace))[`${namespace}.dead-letter`] === 1);
      expect((await parkedMessages(url, namespace)).map((parked) => parked.envelope.id)).toEqual([
        message.id,
      ]);
    } finally {
      await rabbitmqctl(['clear_policy', policy]).catch(() => undefined);
      await consumer.close();
    }
  });
});

describe('Broker.drain, as a service stops on SIGTERM', () => {
  it('lets the handler under way finish and ack, and takes no new message', async () => {
    await purgeQueues(url, namespace);
    const consumer = await Broker.connect({ url, namespace, logger });
    const handled: string[] = [];
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    await consumer.consume('chargeRequests', async ({ envelope }) => {
      await gate;
      handled.push(envelope.id);
    });
    const first = envelope('charge.requested', { paymentId: 'p-9' });
    await broker.sendCommand(first);
    await until(
      async () => (await queueDepths(url, namespace))[`${namespace}.payments.charge-requests`] === 0,
    );
    const drained = consumer.drain();
    const second = envelope('charge.requested', { paymentId: 'p-10' });
    await broker.sendCommand(second);
    release();
    await drained;
    expect(handled).toEqual([first.id]);
    // The first was acked before the connection closed; the second waits for the next consumer.
    expect((await queueDepths(url, namespace))[`${namespace}.payments.charge-requests`]).toBe(1);
  });
});

async function until(check: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function rabbitmqctl(args: string[]) {
  await promisify(execFile)('rabbitmqctl', args);
}
