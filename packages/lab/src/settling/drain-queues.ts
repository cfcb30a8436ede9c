import { setTimeout as sleep } from 'node:timers/promises';
import { queueDepths } from '@incident-lab/messaging';
import type { LabOptions } from '../settings/lab-options';

/**
 * Waits until the lab's work queues stay empty for a moment (consumers caught up), or the time is
 * up. The parked queues (dead-letter, unroutable) have no consumer: they wait for a person.
 */
export async function drainQueues(options: LabOptions, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  while (Date.now() < deadline) {
    const depths = await queueDepths(options.amqpUrl, options.namespace);
    const waiting = Object.entries(depths).filter(
      ([name, depth]) => depth > 0 && !name.endsWith('.dead-letter') && !name.endsWith('.unroutable'),
    );
    quietChecks = waiting.length === 0 ? quietChecks + 1 : 0;
    if (quietChecks >= 3) return true;
    await sleep(300);
  }
  return false;
}
