import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import type { Broker } from '@incident-lab/messaging';
import type { Logger } from '@incident-lab/telemetry';
import type { InvoicingMetrics } from '../metrics';
import { createInvoice, type InvoiceInput } from './invoices.repo';
import { renderInvoice } from './render-invoice';

/** Every completed payment becomes an invoice and an e-mail to the customer, once. */
export async function consumePaymentCompleted(deps: {
  broker: Broker;
  pool: Pool;
  logger: Logger;
  metrics: InvoicingMetrics;
  flags: FlagReader;
}) {
  await deps.broker.consume('invoicing', async ({ envelope, messageId, redelivered }) => {
    const data = envelope.data as InvoiceInput;
    const ids = { paymentId: data.paymentId, orderId: data.orderId, messageId, redelivered };
    try {
      const email = renderInvoice(data, await deps.flags.bool('invoicing-template-bug'));
      const { invoiceId, created } = await createInvoice(deps.pool, data, email);
      if (created) deps.metrics.invoicesCreated.add(1);
      deps.logger.info(
        { ...ids, invoiceId },
        created ? 'invoice created and e-mailed' : 'payment already invoiced; nothing to do',
      );
    } catch (error) {
      // Broken: swallowed at debug level and acked. No error anywhere; the invoice never exists.
      if (!(await deps.flags.bool('invoicing-dead-letter'))) {
        deps.logger.debug({ ...ids, err: error }, 'could not invoice payment');
        return;
      }
      // Fixed: said loudly, with what happens next; the broker retries once, then dead-letters it.
      deps.logger.error(
        { ...ids, reason: (error as Error).message },
        redelivered
          ? 'invoice failed again: the message goes to the dead-letter queue; fix the cause, then run `npx lab backfill invoices`'
          : 'invoice failed: the broker will deliver it once more',
      );
      throw error;
    }
  });
}
