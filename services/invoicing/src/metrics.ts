import { getMeter } from '@incident-lab/telemetry';

export function invoicingMetrics() {
  return {
    invoicesCreated: getMeter('invoicing').createCounter('shop_invoices_created', {
      description: 'Invoices written (each with its e-mail) for completed payments.',
    }),
  };
}

export type InvoicingMetrics = ReturnType<typeof invoicingMetrics>;
