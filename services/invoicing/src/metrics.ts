import { getMeter } from '@incident-lab/telemetry';

/** Made once per process: the consumer and the backfill route count into the same counter. */
const invoicesCreated = getMeter('invoicing').createCounter('shop_invoices_created', {
  description:
    'Invoices written (each with its e-mail) for completed payments, by the consumer or the backfill.',
});

export function invoicingMetrics() {
  return { invoicesCreated };
}

export type InvoicingMetrics = ReturnType<typeof invoicingMetrics>;
