import { AppError, validate } from '@incident-lab/service-kit';
import { Router } from 'express';
import { z } from 'zod';
import { requireStaff } from '../auth/require-user';
import { storefrontFlagsOf } from '../flags';
import type { Catalogue } from './catalogue';

/**
 * The highest price a product may have: 20 lines of 10 units each must still fit an order's total
 * (a signed 32-bit column), so no price a staff member sets can make a checkout fail.
 */
export const MAX_PRICE_CENTS = 10_000_000;

const productParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const priceBody = z.object({
  priceCents: z
    .number()
    .int('a whole number of cents')
    .min(1, 'a price is at least 1 cent')
    .max(MAX_PRICE_CENTS, `a price is at most ${MAX_PRICE_CENTS} cents`),
});

export function catalogueRoutes(catalogue: Catalogue, secret: string): Router {
  const router = Router();
  router.get('/api/products', async (_request, response) => {
    const products = await catalogue.list(storefrontFlagsOf(response));
    response.json({
      products: products.map(({ id, sku, name, priceCents }) => ({ id, sku, name, priceCents })),
    });
  });

  /** Staff set a product's price: MySQL and its price history first, then the cache. */
  router.put('/api/staff/products/:id/price', async (request, response) => {
    await requireStaff(request, secret);
    const { id } = validate(productParam, request.params, 'path');
    const { priceCents } = validate(priceBody, request.body);
    const product = await catalogue.changePrice(id, priceCents, storefrontFlagsOf(response));
    if (!product) {
      throw new AppError({
        status: 404,
        code: 'product-not-found',
        title: 'No such product',
        detail: `No product ${id}.`,
      });
    }
    response.json({
      product: { id: product.id, sku: product.sku, name: product.name, priceCents: product.priceCents },
    });
  });
  return router;
}
