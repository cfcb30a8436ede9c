import { getMeter } from '@incident-lab/telemetry';

export function paymentsMetrics() {
  const meter = getMeter('payments');
  const metrics = {
    completed: meter.createCounter('shop_payments_completed', {
      description: 'Payments whose charge succeeded.',
    }),
    failed: meter.createCounter('shop_payments_failed', {
      description: 'Payments whose charge failed, by reason.',
    }),
    queued: meter.createCounter('shop_payments_queued', {
      description: 'Charges accepted for later (202) while the provider was down.',
    }),
    unknown: meter.createCounter('shop_payments_outcome_unknown', {
      description: 'Charges that got no answer from the provider and were left PENDING for the reconciler.',
    }),
    deduplicated: meter.createCounter('shop_payments_deduplicated', {
      description:
        'Charge requests the idempotent worker acked without charging, by reason (message-processed, payment-settled).',
    }),
  };
  // Counters a healthy run may never move start at 0: "none yet" on a dashboard, not "no data".
  metrics.unknown.add(0);
  // Compared with storefront's orders by increase(): the series must exist before the first payment.
  metrics.completed.add(0);
  for (const reason of ['message-processed', 'payment-settled']) metrics.deduplicated.add(0, { reason });
  return metrics;
}

export type PaymentsMetrics = ReturnType<typeof paymentsMetrics>;
