import { setTimeout as sleep } from 'node:timers/promises';
import { type PaymentsServices, recordResult } from '../charges/charge.service';
import { findPaymentWithDeadline } from '../charges/payments.repo';
import type { ProviderResult } from '../charges/provider-client';
import { deliveryRules } from '../lessons/idempotent-consumer';

const RETRY_PAUSE_MS = 1_000;
/** With the `payments-crash` fault, the worker dies on every this-many-th message it takes first. */
const CRASH_EVERY = 4;

/**
 * Drains the charge-requests queue: charges each queued payment once the provider answers again.
 * While it is still down the worker keeps trying until the payment's charge deadline
 * (`chargeDeadlineS` after it was made), then fails it, so a queued charge always ends COMPLETED or
 * FAILED, never forgotten.
 *
 * Broken: every message is a charge, so a redelivered message charges again. Fixed
 * (`idempotent-consumer`): a message already processed, or a payment no longer QUEUED, is only acked,
 * and the message id is recorded in the transaction that records the charge.
 */
export async function startChargeWorker(
  deps: PaymentsServices,
  { crashEvery = CRASH_EVERY }: { crashEvery?: number } = {},
): Promise<void> {
  let taken = 0;
  await deps.broker.consume(
    'chargeRequests',
    // One snapshot per message: what this delivery goes by from start to end.
    ({ envelope, messageId, redelivered }) =>
      deps.flags.run(async (flags) => {
        const { paymentId } = envelope.data as { paymentId: string };
        const log = { paymentId, messageId, redelivered };
        const work = { ...deps, flags };
        const deliveries = deliveryRules(flags['idempotent-consumer']);
        const payment = await findPaymentWithDeadline(deps.pool, paymentId, deps.chargeDeadlineS);
        if (!payment) {
          deps.logger.warn(log, 'charge request for an unknown payment; dropped');
          return;
        }
        const done = await deliveries.alreadyDone(deps.pool, messageId, payment);
        if (done) {
          deps.metrics.deduplicated.add(1, { reason: done });
          deps.logger.info(
            { ...log, status: payment.status, reason: done },
            'charge already handled; acked without charging again',
          );
          return;
        }

        const crash = flags['payments-crash'];
        const crashHere = crash !== 'off' && !redelivered && ++taken % crashEvery === 0;
        const reference = payment.providerReference ?? undefined;
        const charge = {
          reference,
          orderId: payment.orderId,
          amountCents: payment.amountCents,
          customer: payment.customer,
        };
        const giveUpAt = Date.now() + payment.msToDeadline;
        let result: ProviderResult = await deps.provider.charge(charge, flags);
        const noAnswer = () => result.outcome === 'unavailable' || result.outcome === 'unknown';
        while (noAnswer() && Date.now() < giveUpAt) {
          await sleep(RETRY_PAUSE_MS);
          result = await deps.provider.charge(charge, flags);
        }
        // Before giving up, ask the providers whether the reference was charged after all.
        const found = noAnswer() && reference && (await deps.provider.findCharge(reference));
        if (found) result = { outcome: 'charged', ...found };
        deps.logger.info(
          { ...log, orderId: payment.orderId, outcome: result.outcome },
          'queued charge attempted',
        );

        if (crashHere && crash === 'after-charge') {
          throw deps.broker.simulateCrash('fault: worker died after charging, before recording and acking');
        }
        await recordResult(work, payment, result, {
          ...deliveries.recordWith(messageId),
          afterCommit: async () => {
            if (crashHere && crash === 'before-publish') {
              throw deps.broker.simulateCrash(
                'fault: worker died after committing, before publishing and acking',
              );
            }
          },
        });
      }),
    1,
  );
}
