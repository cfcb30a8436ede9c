import { setTimeout as sleep } from 'node:timers/promises';
import { databaseName } from '@incident-lab/config';
import { createPool, type Pool, type RowDataPacket } from '@incident-lab/db';
import { queueDepths } from '@incident-lab/messaging';
import type { LabOptions } from '../settings/lab-options';
import type { ServiceProcess } from '../settings/services';
import { runReconciler } from './reconciler-pass';

/** What is still moving in the shop: work that has been accepted and not finished. */
interface Unfinished {
  pendingOrders: number;
  openPaymentRequests: number;
  unsentEvents: number;
  queuedMessages: number;
  /** Idempotency keys whose request died and that the completers have not finished yet. */
  abandonedKeys: number;
}

const RECONCILE_EVERY_MS = 10_000;
/** Nothing moved for this long (longer than the key completers wait for a client's retry): what is left will not finish by itself. */
const STUCK_AFTER_MS = 45_000;

const abandoned = (schema: string) =>
  `SELECT COUNT(*) AS n FROM ${schema}.idempotency_keys
    WHERE state = 'IN_FLIGHT' AND (locked_until IS NULL OR locked_until < NOW(3))`;

async function unfinished(lab: LabOptions, pool: Pool): Promise<Unfinished> {
  const count = async (sql: string) => Number((await pool.query<RowDataPacket[]>(sql))[0][0]?.n ?? 0);
  const db = (owner: Parameters<typeof databaseName>[1]) => `\`${databaseName(lab.namespace, owner)}\``;
  const depths = await queueDepths(lab.amqpUrl, lab.namespace);
  return {
    pendingOrders: await count(
      `SELECT COUNT(*) AS n FROM ${db('storefront')}.orders WHERE origin = 'checkout' AND status = 'PENDING'`,
    ),
    openPaymentRequests: await count(
      `SELECT COUNT(*) AS n FROM ${db('storefront')}.payment_requests WHERE state = 'OPEN'`,
    ),
    unsentEvents: await count(`SELECT COUNT(*) AS n FROM ${db('payments')}.outbox WHERE sent_at IS NULL`),
    abandonedKeys: (await count(abandoned(db('storefront')))) + (await count(abandoned(db('payments')))),
    queuedMessages: Object.entries(depths)
      .filter(([name]) => !name.endsWith('.dead-letter') && !name.endsWith('.unroutable'))
      .reduce((sum, [, depth]) => sum + depth, 0),
  };
}

/**
 * After the load: lets the shop finish what it accepted — relays, workers, the reconciler (asked to
 * run every 10 s over every PENDING order, as its schedule would, sooner) — until nothing is left,
 * nothing has moved for 20 s, or `timeoutS` is up. The audit comes after.
 */
export async function waitForUnfinishedWork(
  lab: LabOptions,
  services: ServiceProcess[],
  timeoutS: number,
  say: (line: string) => void,
): Promise<{ seconds: number; quiet: boolean; reconcilerRuns: number }> {
  // One connection for the whole wait; a killed one is replaced by the pool.
  const pool = createPool({ url: lab.mysqlUrl, connectionLimit: 1 });
  try {
    return await waitUntilSettled(lab, pool, services, timeoutS, say);
  } finally {
    await pool.end();
  }
}

async function waitUntilSettled(
  lab: LabOptions,
  pool: Pool,
  services: ServiceProcess[],
  timeoutS: number,
  say: (line: string) => void,
): Promise<{ seconds: number; quiet: boolean; reconcilerRuns: number }> {
  const started = performance.now();
  let lastReconcile = 0;
  let reconcilerRuns = 0;
  let last = '';
  let lastChange = performance.now();
  for (;;) {
    const now = await unfinished(lab, pool).catch(() => undefined);
    const seconds = Math.round((performance.now() - started) / 1000);
    if (now && Object.values(now).every((value) => value === 0))
      return { seconds, quiet: true, reconcilerRuns };
    const text = JSON.stringify(now);
    if (text !== last) {
      last = text;
      lastChange = performance.now();
      if (now)
        say(
          `settling: ${now.pendingOrders} orders pending, ${now.openPaymentRequests} charge requests open, ${now.unsentEvents} events unsent, ${now.queuedMessages} messages queued, ${now.abandonedKeys} keys not finished`,
        );
    }
    const stuck = performance.now() - lastChange > STUCK_AFTER_MS && reconcilerRuns > 0;
    if (stuck || seconds >= timeoutS) return { seconds, quiet: false, reconcilerRuns };
    if (performance.now() - lastReconcile > RECONCILE_EVERY_MS) {
      lastReconcile = performance.now();
      await runReconciler(services, 0).then(
        () => reconcilerRuns++,
        (error: Error) => say(`reconciler: ${error.message}`),
      );
    }
    await sleep(1_000);
  }
}
