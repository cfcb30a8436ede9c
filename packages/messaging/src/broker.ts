import { setTimeout as sleep } from 'node:timers/promises';
import { getMeter, type Logger } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import amqp, {
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type Options,
  type RecoveringChannelModel,
} from 'amqplib';
import { type Envelope, parseEnvelope } from './envelope';
import { messagingMetrics } from './metrics';
import { type QueueKey, type Topology, topology } from './topology';

export interface BrokerOptions {
  url: string;
  namespace: string;
  logger: Logger;
  /**
   * Names the connection `<namespace>:<name>` (RabbitMQ shows it; `lab chaos` closes a lab's own
   * connections by it). Default: `client`.
   */
  name?: string;
  /**
   * Errors that say "try again shortly" (a lost database connection): a message that fails with one
   * goes back to its queue after a pause without counting towards the dead-letter queue.
   */
  isTransient?: (error: unknown) => boolean;
}

export interface Delivery {
  envelope: Envelope;
  messageId: string;
  routingKey: string;
  redelivered: boolean;
}

export type Handler = (delivery: Delivery) => Promise<void>;

/** A message that failed on something transient waits this long before going back to its queue. */
const TRANSIENT_PAUSE_MS = 500;

interface Subscription {
  queue: QueueKey;
  handler: Handler;
  prefetch: number;
}

/**
 * One AMQP connection per service that comes back by itself: amqplib's recovery reconnects with
 * backoff and jitter after a broker restart, and on every (re)connect we declare the topology again
 * and resume every consumer. Publishing uses a confirm channel, so `publish` resolves only once the
 * broker has taken responsibility for the message.
 */
export class Broker {
  readonly topology: Topology;
  private connection?: RecoveringChannelModel;
  private model?: ChannelModel;
  private channel?: ConfirmChannel;
  private readonly subscriptions: Subscription[] = [];
  /** Consumers running now, by channel and tag, so a drain can cancel them. */
  private readonly consumers: Array<{ channel: Channel; tag: string }> = [];
  /** Handlers under way: a drain waits for them before the connection closes. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private draining = false;

  private constructor(private readonly options: BrokerOptions) {
    this.topology = topology(options.namespace);
  }

  static async connect(options: BrokerOptions): Promise<Broker> {
    const broker = new Broker(options);
    const { logger } = options;
    broker.connection = await amqp.connect(options.url, {
      clientProperties: { connection_name: `${options.namespace}:${options.name ?? 'client'}` },
      // Fail fast at start (a wrong URL should stop the service), then retry forever once running.
      recovery: {
        initialMaxRetries: 3,
        maxDelay: 10_000,
        setup: (model: ChannelModel) => broker.setup(model),
      },
    });
    broker.connection.on('disconnect', (error) => {
      broker.channel = undefined;
      logger.error({ err: error }, 'broker connection lost; reconnecting (publishes fail until it is back)');
    });
    // Without a listener an 'error' event would end the process; recovery handles the reconnect.
    broker.connection.on('error', (error) => logger.warn({ err: error }, 'broker connection error'));
    broker.connection.on('reconnect-scheduled', ({ attempt, delay }) =>
      logger.warn({ attempt, retryInMs: delay }, 'broker still unreachable'),
    );
    return broker;
  }

  private async setup(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    this.quietOnLoss(channel);
    channel.on('return', (message: ConsumeMessage) => this.park(channel, message));
    await declareTopology(channel, this.topology);
    this.model = model;
    this.channel = channel;
    this.consumers.length = 0;
    if (this.draining) return;
    for (const subscription of this.subscriptions) await this.startConsumer(subscription);
    this.options.logger.info({ consumers: this.subscriptions.length }, 'broker connected; topology declared');
  }

  /** A lost connection closes its channels with an 'error' each; the connection's recovery handles it. */
  private quietOnLoss(channel: Channel): void {
    channel.on('error', (error: Error) =>
      this.options.logger.debug({ err: error }, 'channel closed with its connection'),
    );
  }

  /** A returned (unroutable) event: counted, said loudly, and parked where someone can find it. */
  private park(channel: ConfirmChannel, message: ConsumeMessage): void {
    const type = String(message.properties.type ?? message.fields.routingKey);
    messagingMetrics.unroutable.add(1, { type });
    this.options.logger.error(
      { type, messageId: message.properties.messageId, routingKey: message.fields.routingKey },
      `no queue is bound to ${message.fields.routingKey}: event parked on ${this.topology.queues.unroutable.name}`,
    );
    // The routing key nobody heard goes with it: `lab replay` sends it there again once a queue listens.
    const headers = { ...message.properties.headers, 'x-unroutable-routing-key': message.fields.routingKey };
    channel.sendToQueue(this.topology.queues.unroutable.name, message.content, {
      ...message.properties,
      headers,
    });
  }

  /** Resolves when the broker confirms the message; rejects when it nacks or is unreachable. */
  async publish(
    exchange: string,
    routingKey: string,
    message: Envelope,
    options: { mandatory?: boolean; headers?: Record<string, string> } = {},
  ): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new Error(`broker unavailable: cannot publish ${message.type} ${message.id}`);
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        exchange,
        routingKey,
        Buffer.from(JSON.stringify(message)),
        {
          messageId: message.id,
          type: message.type,
          contentType: 'application/json',
          persistent: true,
          mandatory: options.mandatory ?? false,
          headers: options.headers,
        },
        (error) => (error ? reject(error) : resolve()),
      );
    });
    messagingMetrics.published.add(1, { type: message.type });
  }

  /**
   * Publishes a domain event. `mandatory` (the `unroutable-guard` flag, decided by the caller's unit of
   * work): an event no queue is bound to is then returned by the broker, counted and parked on the
   * unroutable queue. Without it, RabbitMQ drops such an event and the confirm still says "ok".
   */
  async publishEvent(message: Envelope, options: { mandatory?: boolean } = {}): Promise<void> {
    await this.publish(this.topology.events, message.type, message, {
      mandatory: options.mandatory ?? false,
    });
  }

  async sendCommand(message: Envelope): Promise<void> {
    await this.publish(this.topology.commands, message.type, message);
  }

  /**
   * Runs `handler` for each message of a queue. It is acked after the handler resolves; when the
   * handler throws, it is requeued once, and when it fails again it is moved to the dead-letter
   * queue with the reason in its headers (the original is acked once the broker has confirmed the
   * copy), logged and counted: never silently dropped. A failure `isTransient` recognises (a lost
   * database connection) is requeued after a pause, however often: the message waits for the cause
   * to pass instead of being parked for a person.
   */
  async consume(queue: QueueKey, handler: Handler, prefetch = 10): Promise<void> {
    const subscription = { queue, handler, prefetch };
    this.subscriptions.push(subscription);
    if (this.channel) await this.startConsumer(subscription);
  }

  private async startConsumer({ queue, handler, prefetch }: Subscription): Promise<void> {
    if (!this.model) return;
    const channel = await this.model.createChannel();
    this.quietOnLoss(channel);
    await channel.prefetch(prefetch);
    const queueName = this.topology.queues[queue].name;
    messagingMetrics.redelivered.add(0, { queue: queueName });
    const { consumerTag } = await channel.consume(queueName, (message: ConsumeMessage | null) => {
      if (!message) return;
      const handling = this.handle(channel, queueName, message, handler);
      this.inFlight.add(handling);
      void handling.finally(() => this.inFlight.delete(handling));
    });
    this.consumers.push({ channel, tag: consumerTag });
  }

  private async handle(channel: Channel, queueName: string, message: ConsumeMessage, handler: Handler) {
    const { logger } = this.options;
    let delivery: Delivery | undefined;
    try {
      const parsed = parseEnvelope(message.content);
      delivery = {
        envelope: parsed,
        messageId: message.properties.messageId ?? parsed.id,
        routingKey: message.fields.routingKey,
        redelivered: message.fields.redelivered,
      };
      if (delivery.redelivered) messagingMetrics.redelivered.add(1, { queue: queueName });
      const { orderId, paymentId } = (parsed.data ?? {}) as { orderId?: unknown; paymentId?: unknown };
      trace.getActiveSpan()?.setAttributes({
        'messaging.message.id': delivery.messageId,
        'shop.message.redelivered': delivery.redelivered,
        // The shop's ids on the consume span, so a lost invoice's trace is found by its payment or order.
        ...(typeof orderId === 'string' ? { 'shop.order.id': orderId } : {}),
        ...(typeof paymentId === 'string' ? { 'shop.payment.id': paymentId } : {}),
      });
      await handler(delivery);
      channel.ack(message);
      messagingMetrics.consumed.add(1, { type: parsed.type, queue: queueName, outcome: 'ok' });
    } catch (error) {
      // After a simulated crash the channel is gone: the broker redelivers the message by itself.
      if (error instanceof SimulatedCrash) return;
      const ids = {
        queue: queueName,
        messageId: delivery?.messageId,
        redelivered: message.fields.redelivered,
      };
      messagingMetrics.consumed.add(1, {
        type: delivery?.envelope.type ?? 'unparseable',
        queue: queueName,
        outcome: 'failed',
      });
      if (this.options.isTransient?.(error)) {
        logger.warn(
          { ...ids, err: error },
          'message failed on something that comes back (a lost connection, a shed one); requeued',
        );
        await sleep(TRANSIENT_PAUSE_MS);
        channel.nack(message, false, true);
        return;
      }
      if (!message.fields.redelivered) {
        logger.error({ ...ids, err: error }, 'message failed; requeued for one more try');
        channel.nack(message, false, true);
        return;
      }
      const deadLetter = this.topology.queues.deadLetter.name;
      const headers = {
        ...message.properties.headers,
        'x-failed-queue': queueName,
        'x-failure-reason': String((error as Error).message).slice(0, 500),
      };
      try {
        // The copy must be safe with the broker before the original is let go, or a crash between
        // the two loses the message.
        await this.sendConfirmed(deadLetter, message.content, { ...message.properties, headers });
      } catch (parkError) {
        logger.error({ ...ids, err: parkError }, 'could not dead-letter the message; requeued');
        channel.nack(message, false, true);
        return;
      }
      logger.error({ ...ids, err: error }, `message failed twice; moved to ${deadLetter}`);
      messagingMetrics.deadLettered.add(1, { queue: queueName });
      channel.ack(message);
    }
  }

  /** Sends to a queue and resolves once the broker has confirmed it. */
  private async sendConfirmed(queue: string, content: Buffer, properties: Options.Publish): Promise<void> {
    const channel = this.channel;
    if (!channel) throw new Error(`broker unavailable: cannot send to ${queue}`);
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(queue, content, properties, (error) => (error ? reject(error) : resolve()));
    });
  }

  /**
   * Stops taking messages and waits (up to `timeoutMs`) for the handlers under way to finish and
   * ack; then closes. What is still unacked goes back to its queue when the connection closes.
   */
  async drain(timeoutMs = 8_000): Promise<void> {
    this.draining = true;
    const consumers = this.consumers.splice(0);
    for (const { channel, tag } of consumers) await channel.cancel(tag).catch(() => undefined);
    const settled = Promise.allSettled([...this.inFlight]);
    await Promise.race([settled, sleep(timeoutMs)]);
    // A channel's close waits for the broker to have read what was sent on it, acks included;
    // closing the connection alone can drop the last acks, and the messages would come back.
    for (const { channel } of consumers) await channel.close().catch(() => undefined);
    await this.close();
  }

  /**
   * Fault injection: drops the TCP connection to the broker as a crashed process would, without a
   * goodbye. Unacked messages go back to their queues marked redelivered, publishes fail until the
   * connection recovers, and recovery reconnects and resumes the consumers. Throw the returned error
   * from a handler so nothing after the "crash" runs.
   */
  simulateCrash(reason: string): SimulatedCrash {
    const socket = (this.model as unknown as { connection?: { stream?: { destroy(error?: Error): void } } })
      ?.connection?.stream;
    this.channel = undefined;
    socket?.destroy(new Error(`simulated crash: ${reason}`));
    return new SimulatedCrash(reason);
  }

  /**
   * Exports the depth of every lab queue as `shop_queue_messages{queue}`, read every `intervalMs`:
   * a dead-letter or unroutable queue that is not empty is something to act on.
   */
  watchQueueDepths(intervalMs = 5_000): () => void {
    const depths = new Map<string, number>();
    queueGauge.addCallback((result) => {
      for (const [queue, depth] of depths) result.observe(depth, { queue });
    });
    const read = async () => {
      const model = this.model;
      if (!model) return;
      const channel = await model.createChannel();
      this.quietOnLoss(channel);
      try {
        for (const { name } of Object.values(this.topology.queues)) {
          depths.set(name, (await channel.checkQueue(name)).messageCount);
        }
      } finally {
        await channel.close().catch(() => undefined);
      }
    };
    const timer = setInterval(() => {
      read().catch((error) => this.options.logger.warn({ err: error }, 'could not read queue depths'));
    }, intervalMs);
    void read().catch(() => undefined);
    return () => clearInterval(timer);
  }

  /** Readiness: the connection is up and the broker answers on it. */
  async check(): Promise<void> {
    if (!this.channel) throw new Error('broker disconnected');
    await this.channel.checkExchange(this.topology.events);
  }

  async close(): Promise<void> {
    await this.connection?.close().catch(() => undefined);
    this.channel = undefined;
  }
}

/** Thrown by a handler after `simulateCrash`: the message is neither acked nor rejected. */
export class SimulatedCrash extends Error {
  override name = 'SimulatedCrash';
}

const queueGauge = getMeter('messaging').createObservableGauge('shop_queue_messages', {
  description: 'Messages waiting in each lab queue (dead-letter and unroutable included), read every 5 s.',
});

export async function declareTopology(channel: Channel, spec: Topology): Promise<void> {
  await channel.assertExchange(spec.events, 'topic', { durable: true });
  await channel.assertExchange(spec.commands, 'direct', { durable: true });
  for (const queue of Object.values(spec.queues)) {
    await channel.assertQueue(queue.name, { durable: true });
    for (const key of queue.bindings) await channel.bindQueue(queue.name, queue.exchange, key);
  }
}
