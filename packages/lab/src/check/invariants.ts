import { databaseName } from '@incident-lab/config';
import { createPool, type RowDataPacket } from '@incident-lab/db';
import { uninvoicedPayments } from '@incident-lab/invoicing/audit';
import { parkedMessages, queueDepths, topology } from '@incident-lab/messaging';
import type { InvariantName } from '@incident-lab/scenarios';
import type { LabOptions } from '../stack/lab-options';

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
  const orders = `${db('storefront')}.orders`;
  // Keys nobody holds any more, though their request never finished.
  const stuckKeys = (owner: 'storefront' | 'payments') =>
    `SELECT CONCAT('${owner}:', CAST(idem_key AS CHAR)) AS id FROM ${db(owner)}.idempotency_keys
      WHERE state = 'IN_FLIGHT' AND (locked_until IS NULL OR locked_until < NOW(3))`;
  const pool = createPool({ url: options.mysqlUrl, connectionLimit: 1 });
  // Sorted, so two audits of the same shop read the same.
  const ids = async (sql: string) =>
    (await pool.query<RowDataPacket[]>(sql))[0].map((row) => String(row.id)).sort();
  try {
    const findings: Audit['findings'] = {
      doubleCharges: await ids(
        `SELECT order_id AS id FROM ${charges} c GROUP BY order_id HAVING COUNT(*) > 1`,
      ),
      paidWithoutCharge: await ids(
        `SELECT o.id FROM ${orders} o
          WHERE o.origin = 'checkout' AND o.status = 'PAID'
            AND NOT EXISTS (SELECT 1 FROM ${charges} c WHERE c.order_id = o.id)`,
      ),
      chargedNotPaid: await ids(
        `SELECT DISTINCT c.order_id AS id FROM ${charges} c
           LEFT JOIN ${orders} o ON o.id = c.order_id
          WHERE o.id IS NULL OR o.status <> 'PAID'`,
      ),
      paymentsWithoutInvoice: (await uninvoicedPayments(pool, options.namespace)).map(
        (payment) => payment.paymentId,
      ),
      unconsumedEvents: [],
      deadLettered: [],
      pendingOrders: await ids(`SELECT id FROM ${orders} WHERE origin = 'checkout' AND status = 'PENDING'`),
      unaccountedPayments: [],
      // Intent, not rows: a purchase is what one customer asked for under one Idempotency-Key.
      purchasesChargedTwice: await ids(
        `SELECT CAST(o.purchase_key AS CHAR) AS id FROM ${orders} o JOIN ${charges} c ON c.order_id = o.id
          WHERE o.purchase_key IS NOT NULL GROUP BY o.purchase_key HAVING COUNT(*) > 1`,
      ),
      duplicateOrders: await ids(
        `SELECT CAST(purchase_key AS CHAR) AS id FROM ${orders}
          WHERE purchase_key IS NOT NULL GROUP BY purchase_key HAVING COUNT(*) > 1`,
      ),
      orphanPayments: await ids(
        `SELECT p.id FROM ${db('payments')}.payments p LEFT JOIN ${orders} o ON o.id = p.order_id
          WHERE p.status <> 'FAILED' AND (o.id IS NULL OR (o.status <> 'PENDING' AND NOT (o.payment_id <=> p.id)))`,
      ),
      stuckKeys: await ids(`${stuckKeys('storefront')} UNION ALL ${stuckKeys('payments')}`),
      acceptedThenFailed: await ids(
        `SELECT id FROM ${orders} WHERE origin = 'checkout' AND answered = 'PENDING' AND status = 'FAILED'`,
      ),
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
