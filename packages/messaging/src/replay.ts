import { setTimeout as sleep } from 'node:timers/promises';
import amqp, { type ConfirmChannel, type GetMessage } from 'amqplib';
import { declareTopology } from './broker';
import { parseEnvelope } from './envelope';
import { type Topology, topology } from './topology';

/**
 * Event reprocessing: the parked messages (dead-lettered by a consumer or by RabbitMQ itself, or
 * returned as unroutable) go back where they belong once their cause is fixed. The consumers are
 * idempotent, so a message delivered twice does no harm; the replay still never loops: a message
 * that comes back to a parking queue after a replay is reported and left for a person.
 *
 * Why not RabbitMQ's shovel, the production tool for moving messages: a shovel moves a whole queue
 * to one destination, while a parked message's destination is its own (the queue it failed on, or
 * the exchange and routing key nobody heard), the replay must be able to list before it moves, and
 * it must recognise and keep what was replayed before. Here each copy is confirmed by the broker
 * before the parked original is let go.
 */

/** Where a parked message goes back to. */
export type Destination = { queue: string } | { exchange: string; routingKey: string };

export interface ParkedEntry {
  /** The parking queue it sits on. */
  parkedOn: string;
  messageId: string;
  type: string;
  /** The shop's ids the message carries (payment, order), to find it in traces and `lab check`. */
  ids: Record<string, string>;
  /** Why it was parked: the consumer's error, RabbitMQ's x-death reason, or "unroutable". */
  reason: string;
  /** How many times it died on its way here (RabbitMQ's x-death count, else 1). */
  deaths: number;
  /** Replays so far (the `x-replay-count` header the replay sets). */
  replays: number;
  destination?: Destination;
}

export type ReplayOutcome =
  /** Copied back to its destination (confirmed by the broker), the parked original removed. */
  | 'replayed'
  /** --dry-run: it would be. */
  | 'would-replay'
  /** Came back after an earlier replay: the cause is not fixed; left parked (replay with `again`). */
  | 'replayed-before'
  /** Its destination still routes it nowhere (no queue bound to its name, or the queue is gone). */
  | 'still-unroutable'
  /** Its headers name no queue of this lab: nowhere known to send it. */
  | 'no-destination';

export interface ReplayOptions {
  dryRun: boolean;
  /** Messages per second at most, so a fixed consumer is not flooded with the backlog at once. */
  ratePerS: number;
  /** Replay messages that came back after an earlier replay too. */
  again?: boolean;
  onEach?: (entry: ParkedEntry, outcome: ReplayOutcome) => void;
}

export interface ReplayResult {
  entries: Array<ParkedEntry & { outcome: ReplayOutcome }>;
  counts: Record<ReplayOutcome, number>;
}

/** One x-death table as RabbitMQ writes it when it dead-letters a message itself. */
interface XDeath {
  reason?: unknown;
  queue?: unknown;
  count?: unknown;
}

/** Reads a parked message's headers: why it was parked and where it belongs. */
export function describeParked(message: GetMessage, spec: Topology, parkedOn: string): ParkedEntry {
  const headers = (message.properties.headers ?? {}) as Record<string, unknown>;
  const workQueues = Object.values(spec.queues)
    .map((queue) => queue.name)
    .filter((name) => name !== spec.queues.deadLetter.name && name !== spec.queues.unroutable.name);
  const xDeath = (Array.isArray(headers['x-death']) ? headers['x-death'][0] : undefined) as
    | XDeath
    | undefined;
  let type = String(message.properties.type ?? '');
  let ids: Record<string, string> = {};
  try {
    const envelope = parseEnvelope(message.content);
    type = envelope.type;
    const data = (envelope.data ?? {}) as Record<string, unknown>;
    ids = Object.fromEntries(
      ['paymentId', 'orderId'].flatMap((key) => (typeof data[key] === 'string' ? [[key, data[key]]] : [])),
    );
  } catch {
    // Not one of the shop's envelopes: listed with what its properties say.
  }
  const entry: ParkedEntry = {
    parkedOn,
    messageId: String(message.properties.messageId ?? ''),
    type,
    ids,
    reason: 'unknown',
    deaths: typeof xDeath?.count === 'number' ? xDeath.count : 1,
    replays: Number(headers['x-replay-count'] ?? 0) || 0,
  };
  const failedQueue = headers['x-failed-queue'] ?? xDeath?.queue;
  if (parkedOn === spec.queues.unroutable.name) {
    entry.reason = 'unroutable: no queue was bound to its routing key';
    const routingKey = String(headers['x-unroutable-routing-key'] ?? type);
    if (routingKey) entry.destination = { exchange: spec.events, routingKey };
  } else {
    entry.reason = String(
      headers['x-failure-reason'] ?? (xDeath ? `rabbitmq: ${String(xDeath.reason)}` : 'unknown'),
    );
    // Only a queue of this lab: a header must not be able to send a message anywhere else.
    if (typeof failedQueue === 'string' && workQueues.includes(failedQueue)) {
      entry.destination = { queue: failedQueue };
    }
  }
  return entry;
}

/**
 * Goes once through the parking queues (dead-letter, then unroutable). Each message that can go back
 * is copied to its destination with `mandatory` (so "nobody heard it" comes back as a return) and
 * the parked original is acked only after the broker confirmed the copy and did not return it.
 * Everything else is put back after the pass, so no message is read twice in one run.
 */
export async function replayParked(
  url: string,
  namespace: string,
  options: ReplayOptions,
): Promise<ReplayResult> {
  const spec = topology(namespace);
  const connection = await amqp.connect(url);
  const result: ReplayResult = {
    entries: [],
    counts: {
      replayed: 0,
      'would-replay': 0,
      'replayed-before': 0,
      'still-unroutable': 0,
      'no-destination': 0,
    },
  };
  const pauseMs = 1000 / options.ratePerS;
  try {
    const channel = await connection.createConfirmChannel();
    await declareTopology(channel, spec);
    const returned = new Set<string>();
    channel.on('return', (message: GetMessage) => returned.add(String(message.properties.messageId)));
    const kept: GetMessage[] = [];
    for (const parkedOn of [spec.queues.deadLetter.name, spec.queues.unroutable.name]) {
      for (;;) {
        const message = await channel.get(parkedOn, { noAck: false });
        if (!message) break;
        const entry = describeParked(message, spec, parkedOn);
        const outcome = await replayOne(channel, message, entry, options, returned);
        if (outcome === 'replayed') channel.ack(message);
        else kept.push(message);
        result.entries.push({ ...entry, outcome });
        result.counts[outcome]++;
        options.onEach?.(entry, outcome);
        if (outcome === 'replayed') await sleep(pauseMs);
      }
    }
    for (const message of kept) channel.nack(message, false, true);
    await channel.close();
    return result;
  } finally {
    await connection.close();
  }
}

async function replayOne(
  channel: ConfirmChannel,
  message: GetMessage,
  entry: ParkedEntry,
  options: ReplayOptions,
  returned: Set<string>,
): Promise<ReplayOutcome> {
  if (!entry.destination) return 'no-destination';
  if (entry.replays > 0 && !options.again) return 'replayed-before';
  if (options.dryRun) return 'would-replay';
  const headers = {
    ...message.properties.headers,
    'x-replay-count': entry.replays + 1,
    'x-replayed-at': new Date().toISOString(),
  };
  const { exchange, routingKey } =
    'queue' in entry.destination ? { exchange: '', routingKey: entry.destination.queue } : entry.destination;
  // The copy keeps the original's id: the consumer's idempotency recognises it if it was handled before.
  await new Promise<void>((resolve, reject) =>
    channel.publish(
      exchange,
      routingKey,
      message.content,
      { ...message.properties, headers, mandatory: true, persistent: true },
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  // RabbitMQ sends a mandatory message's return before its confirm.
  return returned.delete(entry.messageId) ? 'still-unroutable' : 'replayed';
}
