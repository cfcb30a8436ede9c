import { databaseName } from '@incident-lab/config';
import { createPool, type RowDataPacket } from '@incident-lab/db';
import { parkedMessages, queueDepths, topology } from '@incident-lab/messaging';
import type { InvariantName } from '@incident-lab/scenarios';
import type { LabOptions } from '../stack/lab-options';
import { uninvoicedPayments } from './uninvoiced-payments';

export interface Audit {
  checkedAt: string;
  counts: Record<InvariantName, number>;
  /** The entity ids behind each count: order ids, payment ids, queue names. */
  findings: Record<InvariantName, string[]>;
}

/**
 * The correctness auditor: reads every schema, the provider ledgers (the customer's truth) and the
 * queues directly, and lists what disagrees. It is what tells "working" from "correct".
 */
export async function audit(options: LabOptions): Promise<Audit> {
  const db = (owner: Parameters<typeof databaseName>[1]) => `\`${databaseName(options.namespace, owner)}\``;
  const charges = `(SELECT order_id, id FROM ${db('provider_primary')}.charges WHERE status = 'CHARGED'
                    UNION ALL SELECT order_id, id FROM ${db('provider_backup')}.charges WHERE status = 'CHARGED')`;
  const pool = createPool({ url: options.mysqlUrl, connectionLimit: 1 });
  const ids = async (sql: string) => (await pool.query<RowDataPacket[]>(sql))[0].map((row) => String(row.id));
  try {
    const findings: Audit['findings'] = {
      doubleCharges: await ids(
        `SELECT order_id AS id FROM ${charges} c GROUP BY order_id HAVING COUNT(*) > 1`,
      ),
      paidWithoutCharge: await ids(
        `SELECT o.id FROM ${db('storefront')}.orders o
          WHERE o.origin = 'checkout' AND o.status = 'PAID'
            AND NOT EXISTS (SELECT 1 FROM ${charges} c WHERE c.order_id = o.id)`,
      ),
      chargedNotPaid: await ids(
        `SELECT DISTINCT c.order_id AS id FROM ${charges} c
           LEFT JOIN ${db('storefront')}.orders o ON o.id = c.order_id
          WHERE o.id IS NULL OR o.status <> 'PAID'`,
      ),
      paymentsWithoutInvoice: (await uninvoicedPayments(pool, options.namespace)).map(
        (payment) => payment.paymentId,
      ),
      unconsumedEvents: [],
      deadLettered: [],
      pendingOrders: await ids(
        `SELECT id FROM ${db('storefront')}.orders WHERE origin = 'checkout' AND status = 'PENDING'`,
      ),
      unaccountedPayments: [],
    };
    // A payment without an invoice is accounted for when its event waits, with a reason, in a parked queue.
    const parked = new Set(
      (await parkedMessages(options.amqpUrl, options.namespace)).map(
        ({ envelope }) => (envelope.data as { paymentId?: string }).paymentId,
      ),
    );
    findings.unaccountedPayments = findings.paymentsWithoutInvoice.filter((id) => !parked.has(id));
    const depths = await queueDepths(options.amqpUrl, options.namespace);
    for (const { name } of Object.values(topology(options.namespace).queues)) {
      // Dead-letter queues (named *.dead-letter) hold what consumers gave up on; the rest, what they have not reached.
      const list = name.endsWith('.dead-letter') ? findings.deadLettered : findings.unconsumedEvents;
      for (let i = 0; i < (depths[name] ?? 0); i++) list.push(name);
    }
    const counts = Object.fromEntries(
      Object.entries(findings).map(([name, list]) => [name, list.length]),
    ) as Audit['counts'];
    return { checkedAt: new Date().toISOString(), counts, findings };
  } finally {
    await pool.end();
  }
}
