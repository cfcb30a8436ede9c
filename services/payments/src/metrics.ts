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
      description: 'Charges accepted for later (202) while the provider was unreachable.',
    }),
  };
}

export type PaymentsMetrics = ReturnType<typeof paymentsMetrics>;
