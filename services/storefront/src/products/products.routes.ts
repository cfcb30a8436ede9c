import type { RowDataPacket } from '@incident-lab/db';
import { Router } from 'express';
import type { ShopDb } from '../db/shop-db';

export function productRoutes(db: ShopDb): Router {
  const router = Router();
  router.get('/api/products', async (_request, response) => {
    const rows = await db.query<RowDataPacket[]>(
      'SELECT id, sku, name, price_cents AS priceCents FROM products ORDER BY id',
    );
    response.json({ products: rows });
  });
  return router;
}
