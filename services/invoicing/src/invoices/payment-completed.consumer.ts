import type { Pool } from '@incident-lab/db';
import type { Broker } from '@incident-lab/messaging';
import type { Logger } from '@incident-lab/telemetry';
import type { InvoicingMetrics } from '../metrics';
import { createInvoice, type InvoiceInput } from './invoices.repo';

/** Every completed payment becomes an invoice and an e-mail to the customer. */
export async function consumePaymentCompleted(deps: {
  broker: Broker;
  pool: Pool;
  logger: Logger;
  metrics: InvoicingMetrics;
}) {
  await deps.broker.consume('invoicing', async ({ envelope, messageId, redelivered }) => {
    const data = envelope.data as InvoiceInput;
    const invoiceId = await createInvoice(deps.pool, data);
    deps.metrics.invoicesCreated.add(1);
    deps.logger.info(
      { invoiceId, paymentId: data.paymentId, orderId: data.orderId, messageId, redelivered },
      'invoice created and e-mailed',
    );
  });
}
