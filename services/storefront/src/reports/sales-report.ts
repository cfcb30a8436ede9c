import type { RowDataPacket } from '@incident-lab/db';
import { Router } from 'express';
import { requireStaff } from '../auth/require-user';
import type { ShopDb } from '../db/shop-db';

/**
 * The sales report: revenue per product per month over every paid order. It is honest work that
 * grows with the orders table (a full scan, a join and a sort), the heavy query of the cascading lab.
 * Revenue is the shop's business: staff only.
 */
export function reportRoutes(db: ShopDb, secret: string): Router {
  const router = Router();
  router.get('/api/reports/sales', async (request, response) => {
    await requireStaff(request, secret);
    const rows = await db.reportQuery<RowDataPacket[]>(
      `SELECT DATE_FORMAT(o.created_at, '%Y-%m') AS month, p.id AS productId, p.name AS product,
              COUNT(DISTINCT o.id) AS orders, SUM(i.quantity) AS units,
              SUM(i.quantity * i.price_cents) AS revenueCents
         FROM orders o
         JOIN order_items i ON i.order_id = o.id
         JOIN products p ON p.id = i.product_id
        WHERE o.status = 'PAID'
        GROUP BY month, p.id, p.name
        ORDER BY month DESC, revenueCents DESC`,
    );
    const totals = rows.reduce(
      (sum, row) => ({
        units: sum.units + Number(row.units),
        revenueCents: sum.revenueCents + Number(row.revenueCents),
      }),
      { units: 0, revenueCents: 0 },
    );
    response.json({ generatedAt: new Date().toISOString(), totals, rows });
  });
  return router;
}
