import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { databaseName, SCHEMA_OWNERS } from '@incident-lab/config';
import { dropDatabase } from '@incident-lab/db';
import { deleteTopology } from '@incident-lab/messaging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labOptions } from '../settings/lab-options';
import { newSecrets } from '../settings/lab-secrets';
import { migrateAll, withPool } from '../shop-data/data';

const namespace = `checktest_${process.pid}`;
// Secrets of its own, so no state folder is written: the audit calls no service.
const options = labOptions(process.env, { namespace, secrets: newSecrets() });
const ids = {
  doubleCharged: '00000000-0000-4000-8000-00000000000a',
  paidNoCharge: '00000000-0000-4000-8000-00000000000b',
  failedButCharged: '00000000-0000-4000-8000-00000000000c',
  healthy: '00000000-0000-4000-8000-00000000000d',
  stuck: '00000000-0000-4000-8000-00000000000f',
  paymentNoInvoice: '00000000-0000-4000-8000-0000000000e1',
  paymentInvoiced: '00000000-0000-4000-8000-0000000000e2',
  orphanPayment: '00000000-0000-4000-8000-0000000000e3',
  firstOfPurchase: '00000000-0000-4000-8000-0000000000a1',
  secondOfPurchase: '00000000-0000-4000-8000-0000000000a2',
  promisedThenFailed: '00000000-0000-4000-8000-0000000000a3',
  stalePrice: '00000000-0000-4000-8000-0000000000b1',
};

async function labCheck() {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(__dirname, '../../bin/lab.js'), 'check', '--json'],
      {
        env: { ...process.env, LAB_NAMESPACE: namespace },
      },
    );
    return { code: 0, audit: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, audit: JSON.parse(failed.stdout) };
  }
}

beforeAll(async () => {
  await migrateAll(options);
});

afterAll(async () => {
  for (const owner of SCHEMA_OWNERS) await dropDatabase(options.mysqlUrl, databaseName(namespace, owner));
  await deleteTopology(options.amqpUrl, namespace);
});

describe('lab check', () => {
  it('finds nothing in a shop whose records agree', async () => {
    const { code, audit } = await labCheck();
    expect(code).toBe(0);
    expect(Object.values(audit.counts).every((count) => count === 0)).toBe(true);
  });

  it('reports planted inconsistencies with the ids behind them', async () => {
    await withPool(options, 'storefront', async (pool) => {
      await pool.query(
        `INSERT INTO orders (id, user_id, status, total_cents, payment_id) VALUES
           (?, 1, 'PAID', 100, ?), (?, 1, 'PAID', 100, NULL), (?, 1, 'FAILED', 100, NULL),
           (?, 1, 'PAID', 100, ?), (?, 1, 'PENDING', 100, NULL)`,
        [
          ids.doubleCharged,
          ids.paymentInvoiced,
          ids.paidNoCharge,
          ids.failedButCharged,
          ids.healthy,
          ids.paymentNoInvoice,
          ids.stuck,
        ],
      );
      // One purchase (customer 7, one key) made into two orders, each charged once: clean per order.
      await pool.query(
        `INSERT INTO orders (id, user_id, status, total_cents, purchase_key, answered) VALUES
           (?, 7, 'FAILED', 100, '7:buy-once', 'FAILED'), (?, 7, 'PAID', 100, '7:buy-once', 'PAID'),
           (?, 7, 'FAILED', 100, '7:promised', 'PENDING')`,
        [ids.firstOfPurchase, ids.secondOfPurchase, ids.promisedThenFailed],
      );
      // Product 1 cost 5.00 until an hour ago, 9.00 since; this paid order was charged 5.00 just now.
      await pool.query(
        `INSERT INTO price_history (product_id, version, price_cents, valid_from, valid_until) VALUES
           (1, 1, 500, '2000-01-01', NOW(3) - INTERVAL 1 HOUR), (1, 2, 900, NOW(3) - INTERVAL 1 HOUR, NULL)`,
      );
      await pool.query(`INSERT INTO orders (id, user_id, status, total_cents) VALUES (?, 2, 'PAID', 500)`, [
        ids.stalePrice,
      ]);
      await pool.query(
        `INSERT INTO order_items (order_id, product_id, quantity, price_cents) VALUES (?, 1, 1, 500)`,
        [ids.stalePrice],
      );
      await pool.query(
        `INSERT INTO idempotency_keys (idem_key, request_hash, state, recovery_point, progress, lease_token, locked_until, expires_at)
         VALUES ('7:abandoned', 'h', 'IN_FLIGHT', 'order-created', '{}', NULL, NULL, NOW() + INTERVAL 1 DAY),
                ('7:held', 'h', 'IN_FLIGHT', 'started', '{}', UUID(), NOW() + INTERVAL 1 MINUTE, NOW() + INTERVAL 1 DAY),
                ('7:done', 'h', 'DONE', 'finished', '{}', NULL, NULL, NOW() + INTERVAL 1 DAY)`,
      );
    });
    const charge = (orderId: string) => [crypto.randomUUID(), `ref-${orderId}`, orderId, 100, 'user-1'];
    await withPool(options, 'provider_primary', (pool) =>
      pool.query('INSERT INTO charges (id, reference, order_id, amount_cents, customer) VALUES ?', [
        [
          charge(ids.doubleCharged),
          charge(ids.failedButCharged),
          charge(ids.healthy),
          charge(ids.secondOfPurchase),
          charge(ids.stalePrice),
        ],
      ]),
    );
    await withPool(options, 'provider_backup', (pool) =>
      pool.query('INSERT INTO charges (id, reference, order_id, amount_cents, customer) VALUES ?', [
        [charge(ids.doubleCharged), charge(ids.firstOfPurchase)],
      ]),
    );
    await withPool(options, 'payments', (pool) =>
      pool.query(`INSERT INTO payments (id, order_id, amount_cents, customer, status) VALUES ?`, [
        [
          [ids.paymentNoInvoice, ids.healthy, 100, 'user-1', 'COMPLETED'],
          [ids.paymentInvoiced, ids.doubleCharged, 100, 'user-1', 'COMPLETED'],
          // A second payment for the healthy order, left PENDING after the order was paid.
          [ids.orphanPayment, ids.healthy, 100, 'user-1', 'PENDING'],
        ],
      ]),
    );
    await withPool(options, 'invoicing', (pool) =>
      pool.query(
        'INSERT INTO invoices (id, payment_id, order_id, amount_cents, customer) VALUES (UUID(), ?, ?, 100, ?)',
        [ids.paymentInvoiced, ids.doubleCharged, 'user-1'],
      ),
    );

    const { code, audit } = await labCheck();
    expect(code).toBe(1);
    expect(audit.findings).toEqual({
      doubleCharges: [ids.doubleCharged],
      paidWithoutCharge: [ids.paidNoCharge],
      chargedNotPaid: [ids.failedButCharged, ids.firstOfPurchase],
      paymentsWithoutInvoice: [ids.paymentNoInvoice],
      unconsumedEvents: [],
      deadLettered: [],
      pendingOrders: [ids.stuck],
      // Stuck, and payments never heard of it: nobody will pay it.
      ordersWithoutPayment: [ids.stuck],
      unaccountedPayments: [ids.paymentNoInvoice],
      purchasesChargedTwice: ['7:buy-once'],
      duplicateOrders: ['7:buy-once'],
      orphanPayments: [ids.orphanPayment],
      stuckKeys: ['storefront:7:abandoned'],
      acceptedThenFailed: [ids.promisedThenFailed],
      staleOrderPrices: [ids.stalePrice],
    });
    expect(audit.counts).toMatchObject({ doubleCharges: 1, paymentsWithoutInvoice: 1 });
  });
});
