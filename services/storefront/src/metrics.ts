import { getMeter } from '@incident-lab/telemetry';

/** Domain counters: what the business sees, whatever the HTTP status codes say. */
export function storefrontMetrics() {
  const meter = getMeter('storefront');
  const metrics = {
    ordersCreated: meter.createCounter('shop_orders_created', { description: 'Orders created by checkout.' }),
    ordersSettled: meter.createCounter('shop_orders_settled', {
      description:
        'Orders moved out of PENDING, by final status and by what settled them (checkout, event, relay or reconciler).',
    }),
    paymentsAbandoned: meter.createCounter('shop_payments_abandoned', {
      description:
        "Checkout orders failed because no payment was started before the deadline (the article's abandoned_payments_total).",
    }),
    paymentRequests: meter.createCounter('shop_payment_requests', {
      description:
        'Attempts of the relay that asks payments again for charges checkout got no answer to, by outcome: answered, no-answer, expired.',
    }),
  };
  // Each outcome starts at 0: "no relay attempt yet" is a series, not an absence.
  for (const outcome of ['answered', 'no-answer', 'expired']) metrics.paymentRequests.add(0, { outcome });
  metrics.paymentsAbandoned.add(0);
  // Orders are compared with payments by increase(): the series must exist before the first order.
  metrics.ordersCreated.add(0);
  return metrics;
}

export type StorefrontMetrics = ReturnType<typeof storefrontMetrics>;
