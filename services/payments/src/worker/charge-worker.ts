import { setTimeout as sleep } from 'node:timers/promises';
import { type ChargeDeps, recordResult } from '../charges/charge.service';
import { findPayment } from '../charges/payments.repo';
import type { ProviderResult } from '../charges/provider-client';

const RETRY_PAUSE_MS = 1_000;

/**
 * Drains the charge-requests queue: charges each queued payment once the provider answers again.
 * While it is still down the worker keeps trying for `retryForMs`, then fails the payment, so a
 * queued charge always ends COMPLETED or FAILED, never forgotten.
 */
export async function startChargeWorker(deps: ChargeDeps, retryForMs: number): Promise<void> {
  await deps.broker.consume(
    'chargeRequests',
    async ({ envelope, messageId, redelivered }) => {
      const { paymentId } = envelope.data as { paymentId: string };
      const payment = await findPayment(deps.pool, paymentId);
      if (payment?.status !== 'QUEUED') {
        deps.logger.info(
          { paymentId, messageId, status: payment?.status },
          'charge request for a payment not queued; skipped',
        );
        return;
      }
      const charge = {
        reference: payment.id,
        orderId: payment.orderId,
        amountCents: payment.amountCents,
        customer: payment.customer,
      };
      const giveUpAt = Date.now() + retryForMs;
      let result: ProviderResult = await deps.provider.charge(charge);
      while (result.outcome === 'unavailable' && Date.now() < giveUpAt) {
        await sleep(RETRY_PAUSE_MS);
        result = await deps.provider.charge(charge);
      }
      deps.logger.info(
        { paymentId, orderId: payment.orderId, messageId, redelivered, outcome: result.outcome },
        'queued charge attempted',
      );
      await recordResult(deps, payment, result);
    },
    1,
  );
}
