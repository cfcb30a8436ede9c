import amqp from 'amqplib';
import { declareTopology } from './broker';
import { type Envelope, parseEnvelope } from './envelope';
import { topology } from './topology';

/** Declares the topology, then reports (or empties) the message count of every queue. */
async function eachQueue(url: string, namespace: string, purge: boolean): Promise<Record<string, number>> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const spec = topology(namespace);
    await declareTopology(channel, spec);
    const counts: Record<string, number> = {};
    for (const queue of Object.values(spec.queues)) {
      const { messageCount } = purge
        ? await channel.purgeQueue(queue.name)
        : await channel.checkQueue(queue.name);
      counts[queue.name] = messageCount;
    }
    return counts;
  } finally {
    await connection.close();
  }
}

export function queueDepths(url: string, namespace: string): Promise<Record<string, number>> {
  return eachQueue(url, namespace, false);
}

/** Empties every lab queue; returns how many messages each held. */
export function purgeQueues(url: string, namespace: string): Promise<Record<string, number>> {
  return eachQueue(url, namespace, true);
}

/** Removes the namespace's queues and exchanges (tests clean up after themselves with it). */
export async function deleteTopology(url: string, namespace: string): Promise<void> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const spec = topology(namespace);
    for (const queue of Object.values(spec.queues)) await channel.deleteQueue(queue.name);
    await channel.deleteExchange(spec.events);
    await channel.deleteExchange(spec.commands);
  } finally {
    await connection.close();
  }
}

/** A message parked for a person: failed twice (dead-letter) or routed nowhere (unroutable). */
export interface ParkedMessage {
  envelope: Envelope;
  queue: string;
  /** Why it was parked: the consumer's error, or "unroutable". */
  reason: string;
}

/**
 * Goes once through the dead-letter and unroutable queues: each message `settled` says is dealt
 * with is removed, the others go back untouched. Returns how many were removed and how many remain.
 */
export async function sweepParked(
  url: string,
  namespace: string,
  settled: (message: ParkedMessage) => boolean,
): Promise<{ removed: number; kept: number }> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const spec = topology(namespace);
    await declareTopology(channel, spec);
    const kept: amqp.GetMessage[] = [];
    let removed = 0;
    for (const queue of [spec.queues.deadLetter.name, spec.queues.unroutable.name]) {
      for (;;) {
        const message = await channel.get(queue, { noAck: false });
        if (!message) break;
        const reason = String(message.properties.headers?.['x-failure-reason'] ?? 'unroutable');
        let envelope: Envelope | undefined;
        try {
          envelope = parseEnvelope(message.content);
        } catch {
          envelope = undefined;
        }
        if (envelope && settled({ envelope, queue, reason })) {
          channel.ack(message);
          removed++;
        } else {
          kept.push(message);
        }
      }
    }
    // Requeued only after the sweep, so the same message is not read twice.
    for (const message of kept) channel.nack(message, false, true);
    await channel.close();
    return { removed, kept: kept.length };
  } finally {
    await connection.close();
  }
}

/** The parked messages, left where they are. */
export async function parkedMessages(url: string, namespace: string): Promise<ParkedMessage[]> {
  const found: ParkedMessage[] = [];
  await sweepParked(url, namespace, (message) => {
    found.push(message);
    return false;
  });
  return found;
}
