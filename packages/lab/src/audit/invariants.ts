import { databaseName } from '@incident-lab/config';
import { createPool, type RowDataPacket } from '@incident-lab/db';
import { parkedMessages, queueDepths, topology } from '@incident-lab/messaging';
import type { InvariantName } from '@incident-lab/scenarios';
import { type TimeWindow, uninvoicedPayments } from '@incident-lab/shop-audit';
import { mispricedOrdersSql } from '@incident-lab/storefront/price-audit';
import type { LabOptions } from '../settings/lab-options';

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
export async function audit(options: LabOptions, window?: TimeWindow): Promise<Audit> {
  const db = (owner: Parameters<typeof databaseName>[1]) => `\`${databaseName(options.namespace, owner)}\``;
  // With a window (a drill's last minute), only what was made in it: orders, payments and charges.
  const made = window
    ? `created_at >= FROM_UNIXTIME(${window.fromMs / 1000}) AND created_at < FROM_UNIXTIME(${window.toMs / 1000})`
    : 'TRUE';
  // The customers' truth: every charge on a card, whichever provider made it.
  const everyCharge = `(SELECT order_id, id FROM ${db('provider_primary')}.charges WHERE status = 'CHARGED'
                    UNION ALL SELECT order_id, id FROM ${db('provider_backup')}.charges WHERE status = 'CHARGED')`;
  const orders = window
    ? `(SELECT * FROM ${db('storefront')}.orders WHERE ${made})`
    : `${db('storefront')}.orders`;
  // With a window, the charges of the orders made in it, whenever they were charged.
  const charges = window
    ? `(SELECT c.order_id, c.id FROM ${everyCharge} c JOIN ${orders} w ON w.id = c.order_id)`
    : everyCharge;
  const payments = window
    ? `(SELECT * FROM ${db('payments')}.payments WHERE ${made})`
    : `${db('payments')}.payments`;
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
            AND NOT EXISTS (SELECT 1 FROM ${everyCharge} c WHERE c.order_id = o.id)`,
      ),
      chargedNotPaid: await ids(
        `SELECT DISTINCT c.order_id AS id FROM ${charges} c
           LEFT JOIN ${db('storefront')}.orders o ON o.id = c.order_id
          WHERE o.id IS NULL OR o.status <> 'PAID'`,
      ),
      paymentsWithoutInvoice: (await uninvoicedPayments(pool, options.namespace, window)).map(
        (payment) => payment.paymentId,
      ),
      unconsumedEvents: [],
      deadLettered: [],
      pendingOrders: await ids(
        `SELECT o.id FROM ${orders} o WHERE o.origin = 'checkout' AND o.status = 'PENDING'`,
      ),
      // Orders nobody will pay: PENDING, payments never heard of them, and storefront owes no charge request.
      ordersWithoutPayment: await ids(
        `SELECT o.id FROM ${orders} o
          WHERE o.origin = 'checkout' AND o.status = 'PENDING'
            AND NOT EXISTS (SELECT 1 FROM ${db('payments')}.payments p WHERE p.order_id = o.id)
            AND NOT EXISTS (SELECT 1 FROM ${db('storefront')}.payment_requests r
                             WHERE r.order_id = o.id AND r.state = 'OPEN')`,
      ),
      unaccountedPayments: [],
      // Intent, not rows: a purchase is what one customer asked for under one Idempotency-Key.
      purchasesChargedTwice: await ids(
        `SELECT CAST(o.purchase_key AS CHAR) AS id FROM ${orders} o JOIN ${charges} c ON c.order_id = o.id
          WHERE o.purchase_key IS NOT NULL GROUP BY o.purchase_key HAVING COUNT(*) > 1`,
      ),
      duplicateOrders: await ids(
        `SELECT CAST(o.purchase_key AS CHAR) AS id FROM ${orders} o
          WHERE o.purchase_key IS NOT NULL GROUP BY o.purchase_key HAVING COUNT(*) > 1`,
      ),
      orphanPayments: await ids(
        `SELECT p.id FROM ${payments} p LEFT JOIN ${db('storefront')}.orders o ON o.id = p.order_id
          WHERE p.status <> 'FAILED' AND (o.id IS NULL OR (o.status <> 'PENDING' AND NOT (o.payment_id <=> p.id)))`,
      ),
      stuckKeys: await ids(`${stuckKeys('storefront')} UNION ALL ${stuckKeys('payments')}`),
      acceptedThenFailed: await ids(
        `SELECT o.id FROM ${orders} o WHERE o.origin = 'checkout' AND o.answered = 'PENDING' AND o.status = 'FAILED'`,
      ),
      // Storefront's question, asked of its tables here: the auditor does not wait for the shop's own audit.
      staleOrderPrices: await ids(
        `SELECT orderId AS id FROM (${mispricedOrdersSql({
          orders,
          orderItems: `${db('storefront')}.order_items`,
          priceHistory: `${db('storefront')}.price_history`,
          mispriced: `${db('storefront')}.mispriced_orders`,
        })}) stale`,
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
