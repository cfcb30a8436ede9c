import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import type { Broker } from '@incident-lab/messaging';
import type { Logger } from '@incident-lab/telemetry';
import type { INVOICING_FLAGS } from '../flags';
import { onInvoiceFailure } from '../lessons/invoicing-dead-letter';
import type { InvoicingMetrics } from '../metrics';
import { createInvoice, type InvoiceInput } from './invoices.repo';
import { renderInvoice } from './render-invoice';

/** Every completed payment becomes an invoice and an e-mail to the customer, once. */
export async function consumePaymentCompleted(deps: {
  broker: Broker;
  pool: Pool;
  logger: Logger;
  metrics: InvoicingMetrics;
  flags: FlagReader<typeof INVOICING_FLAGS>;
}) {
  // One snapshot per message: what this delivery goes by from start to end.
  await deps.broker.consume('invoicing', ({ envelope, messageId, redelivered }) =>
    deps.flags.run(async (flags) => {
      const data = envelope.data as InvoiceInput;
      const ids = { paymentId: data.paymentId, orderId: data.orderId, messageId, redelivered };
      try {
        const email = renderInvoice(data, flags['invoicing-template-bug']);
        const { invoiceId, created } = await createInvoice(deps.pool, data, email);
        if (created) deps.metrics.invoicesCreated.add(1);
        deps.logger.info(
          { ...ids, invoiceId },
          created ? 'invoice created and e-mailed' : 'payment already invoiced; nothing to do',
        );
      } catch (error) {
        // Swallowed (broken) or dead-lettered (fixed): lessons/invoicing-dead-letter.ts.
        onInvoiceFailure(flags['invoicing-dead-letter'])({ error, ids, redelivered, logger: deps.logger });
      }
    }),
  );
}
