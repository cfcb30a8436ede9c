import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { AppError, validate } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { Router } from 'express';
import { z } from 'zod';
import { type INVOICING_FLAGS, invoicingFlagsOf } from '../flags';
import type { InvoicingMetrics } from '../metrics';
import { createInvoice, findInvoices } from './invoices.repo';
import { InvoiceRenderError, renderInvoice } from './render-invoice';

const invoiceQuery = z.object({ paymentId: z.uuid().optional(), orderId: z.uuid().optional() });
const invoiceBody = z.object({
  paymentId: z.uuid(),
  orderId: z.uuid(),
  // The column is an INT: a larger amount is refused here, never clamped by the database.
  amountCents: z.number().int().positive().max(10_000_000),
  customer: z.string().min(1).max(255),
});

/**
 * `GET /invoices?paymentId=…&orderId=…` lists invoices. `POST /invoices` invoices one completed
 * payment, once (201 new, 200 when it had its invoice already): what `lab backfill invoices` calls to
 * repair the history a bug left behind.
 */
export function invoiceRoutes(deps: {
  pool: Pool;
  flags: FlagReader<typeof INVOICING_FLAGS>;
  logger: Logger;
  metrics: InvoicingMetrics;
}): Router {
  const router = Router();
  router.get('/invoices', async (request, response) => {
    response.json({
      invoices: await findInvoices(deps.pool, validate(invoiceQuery, request.query, 'query')),
    });
  });
  router.post('/invoices', async (request, response) => {
    const input = validate(invoiceBody, request.body);
    let email: { subject: string };
    try {
      email = renderInvoice(input, invoicingFlagsOf(response)['invoicing-template-bug']);
    } catch (error) {
      if (!(error instanceof InvoiceRenderError)) throw error;
      throw new AppError({
        status: 422,
        code: 'invoice-render-failed',
        title: 'The invoice template cannot render this payment',
        detail: `${error.message}; fix the template (invoicing-template-bug) and run the backfill again.`,
      });
    }
    const { invoiceId, created } = await createInvoice(deps.pool, input, email);
    if (created) {
      deps.metrics.invoicesCreated.add(1);
      deps.logger.info({ invoiceId, paymentId: input.paymentId }, 'invoice backfilled');
    }
    response.status(created ? 201 : 200).json({ invoiceId, created });
  });
  return router;
}
