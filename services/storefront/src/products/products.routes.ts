import type { Pool, RowDataPacket } from '@incident-lab/db';
import { Router } from 'express';

export function productRoutes(pool: Pool): Router {
  const router = Router();
  router.get('/api/products', async (_request, response) => {
    const [rows] = await pool.query<RowDataPacket[]>(
      'SELECT id, sku, name, price_cents AS priceCents FROM products ORDER BY id',
    );
    response.json({ products: rows });
  });
  return router;
}
