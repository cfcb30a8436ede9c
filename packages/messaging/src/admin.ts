import amqp from 'amqplib';
import { declareTopology } from './broker';
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
