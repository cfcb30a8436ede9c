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

/**
 * Goes through the dead-letter queue once: each message `settled` says is dealt with is removed, the
 * others go back to the queue untouched. Returns how many were removed and how many remain.
 */
export async function sweepDeadLetters(
  url: string,
  namespace: string,
  settled: (message: Envelope, reason: string) => boolean,
): Promise<{ removed: number; kept: number }> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    const spec = topology(namespace);
    await declareTopology(channel, spec);
    const kept: amqp.GetMessage[] = [];
    let removed = 0;
    for (;;) {
      const message = await channel.get(spec.queues.deadLetter.name, { noAck: false });
      if (!message) break;
      const reason = String(message.properties.headers?.['x-failure-reason'] ?? '');
      let envelope: Envelope | undefined;
      try {
        envelope = parseEnvelope(message.content);
      } catch {
        envelope = undefined;
      }
      if (envelope && settled(envelope, reason)) {
        channel.ack(message);
        removed++;
      } else {
        kept.push(message);
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
