import type { FlagReader } from '@incident-lab/flags';
import type { Broker } from '@incident-lab/messaging';
import type { Logger } from '@incident-lab/telemetry';
import type { ShopDb } from '../db/shop-db';
import type { STOREFRONT_FLAGS } from '../flags';
import type { StorefrontMetrics } from '../metrics';
import { settleOrder } from './orders.repo';
import { closePaymentRequest } from './payment-requests.repo';

interface PaymentEventData {
  orderId: string;
  paymentId: string;
  reason?: string;
}

/**
 * Settles orders from payment events: a charge accepted for later (202) finishes after checkout has
 * answered, and only the event tells storefront how it ended.
 */
export async function consumeSettlements(deps: {
  broker: Broker;
  db: ShopDb;
  flags: FlagReader<typeof STOREFRONT_FLAGS>;
  logger: Logger;
  metrics: StorefrontMetrics;
}) {
  // One snapshot per message: the database gate admits its queries by it.
  await deps.broker.consume('storefrontSettlement', ({ envelope, messageId }) =>
    deps.flags.run(async () => {
      const { orderId, paymentId, reason } = envelope.data as PaymentEventData;
      const status = envelope.type === 'payment.completed' ? 'PAID' : 'FAILED';
      // Payments has answered for this order: the charge request storefront owed it is closed too.
      const moved = await deps.db.transaction(async (connection) => {
        const settled = await settleOrder(connection, orderId, status, {
          paymentId,
          failureReason: reason ?? null,
        });
        await closePaymentRequest(connection, orderId, 'ANSWERED');
        return settled;
      });
      if (moved) deps.metrics.ordersSettled.add(1, { status, by: 'event' });
      deps.logger.info(
        { orderId, paymentId, messageId, status, moved },
        moved
          ? 'order settled by payment event'
          : 'payment event for an order already settled; nothing to do',
      );
    }),
  );
}
