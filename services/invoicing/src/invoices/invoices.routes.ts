import type { Pool } from '@incident-lab/db';
import { validate } from '@incident-lab/service-kit';
import { Router } from 'express';
import { z } from 'zod';
import { findInvoices } from './invoices.repo';

const invoiceQuery = z.object({ paymentId: z.uuid().optional(), orderId: z.uuid().optional() });

export function invoiceRoutes(pool: Pool): Router {
  const router = Router();
  router.get('/invoices', async (request, response) => {
    response.json({ invoices: await findInvoices(pool, validate(invoiceQuery, request.query, 'query')) });
  });
  return router;
}
