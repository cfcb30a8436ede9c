import { inTransaction, type PoolConnection } from '@incident-lab/db';
import type { Envelope } from '@incident-lab/messaging';
import type { ChargeDeps } from '../charges/charge.service';
import { addToOutbox, type Destination } from '../outbox/outbox.repo';

/**
 * Lab 2, `outbox`: how payments writes a state change (a payment completed, failed or queued) and the
 * message announcing it, two writes to two systems (MySQL and RabbitMQ). `change` returns whether
 * the state moved; `afterCommit` runs between the commit and the publish (where the crash fault sits).
 */
export type Announce = (
  deps: Pick<ChargeDeps, 'pool' | 'broker'>,
  change: (connection: PoolConnection) => Promise<boolean>,
  destination: Destination,
  message: Envelope,
  afterCommit?: () => Promise<void>,
) => Promise<boolean>;

/**
 * Broken: commit, then publish. A crash (or a lost broker connection) between the two loses the
 * message: the payment is COMPLETED and nobody hears of it (no invoice, the order stays PENDING).
 */
export const commitThenPublish: Announce = async (deps, change, destination, message, afterCommit) => {
  const changed = await inTransaction(deps.pool, change);
  if (!changed) return false;
  await afterCommit?.();
  if (destination === 'events') await deps.broker.publishEvent(message);
  else await deps.broker.sendCommand(message);
  return true;
};

/**
 * Fixed: the message is a row in the same transaction (the transactional outbox); the outbox relay
 * publishes it with publisher confirms and deletes it only then. Both happen, or neither.
 */
export const commitWithOutbox: Announce = async (deps, change, destination, message, afterCommit) => {
  const changed = await inTransaction(deps.pool, async (connection) => {
    const moved = await change(connection);
    if (moved) await addToOutbox(connection, destination, message);
    return moved;
  });
  if (changed) await afterCommit?.();
  return changed;
};

export const announce = (flags: ChargeDeps['flags']): Announce =>
  flags.outbox ? commitWithOutbox : commitThenPublish;
