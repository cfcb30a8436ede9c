import { inTransaction, type Pool, type PoolConnection } from '@incident-lab/db';
import type { Envelope } from '@incident-lab/messaging';

/** Domain events go to the events exchange; work for the payments worker to the commands exchange. */
export type Destination = 'events' | 'commands';

/** What announcing needs: the database, and how this unit of work publishes (its flags decide how). */
export interface AnnounceDeps {
  pool: Pool;
  publish(destination: Destination, message: Envelope): Promise<void>;
}

/**
 * Lab 2, `outbox`: how payments writes a state change (a payment completed, failed or queued) and the
 * message announcing it, two writes to two systems (MySQL and RabbitMQ). `change` returns whether
 * the state moved; `afterCommit` runs between the commit and the publish (where the crash fault sits).
 */
export type Announce = (
  deps: AnnounceDeps,
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
  await deps.publish(destination, message);
  return true;
};

/**
 * Fixed: the message is a row in the same transaction (the transactional outbox); the outbox relay
 * (`outbox/outbox-relay.ts`) publishes it with publisher confirms and marks it sent only then. Both
 * happen, or neither.
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

/** The lesson chosen by the `outbox` flag's value. */
export const announce = (outbox: boolean): Announce => (outbox ? commitWithOutbox : commitThenPublish);

/** Adds a message to the outbox inside the caller's transaction: it exists exactly when the change does. */
async function addToOutbox(connection: PoolConnection, destination: Destination, message: Envelope) {
  await connection.query('INSERT INTO outbox (id, destination, type, payload) VALUES (?, ?, ?, ?)', [
    message.id,
    destination,
    message.type,
    JSON.stringify(message),
  ]);
}
