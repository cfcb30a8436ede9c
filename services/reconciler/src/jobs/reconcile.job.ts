import { databaseName } from '@incident-lab/config';
import type { Pool, RowDataPacket } from '@incident-lab/db';
import type { Logger } from '@incident-lab/telemetry';

export interface ReconcileResult {
  overduePending: number;
  orderIds: string[];
}

/**
 * Finds orders still PENDING past the grace period: charges whose outcome the shop never learned.
 * For now it reports them; the partial-failure lab teaches it to ask the provider and settle them.
 */
export async function reconcile(deps: {
  pool: Pool;
  namespace: string;
  graceS: number;
  logger: Logger;
}): Promise<ReconcileResult> {
  const orders = databaseName(deps.namespace, 'storefront');
  const [rows] = await deps.pool.query<RowDataPacket[]>(
    `SELECT id FROM \`${orders}\`.orders
      WHERE status = 'PENDING' AND created_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY created_at LIMIT 500`,
    [deps.graceS],
  );
  const orderIds = rows.map((row) => row.id as string);
  if (orderIds.length > 0)
    deps.logger.warn({ orderIds, count: orderIds.length }, 'orders pending past the grace period');
  return { overduePending: orderIds.length, orderIds };
}
