import { getMeter } from '@incident-lab/telemetry';

export function paymentsMetrics() {
  const meter = getMeter('payments');
  return {
    completed: meter.createCounter('shop_payments_completed', {
      description: 'Payments whose charge succeeded.',
    }),
    failed: meter.createCounter('shop_payments_failed', {
      description: 'Payments whose charge failed, by reason.',
    }),
    queued: meter.createCounter('shop_payments_queued', {
      description: 'Charges accepted for later (202) because no usable answer came from the provider.',
    }),
    deduplicated: meter.createCounter('shop_payments_deduplicated', {
      description:
        'Charge requests the idempotent worker acked without charging, by reason (message-processed, payment-settled).',
    }),
  };
}

export type PaymentsMetrics = ReturnType<typeof paymentsMetrics>;
