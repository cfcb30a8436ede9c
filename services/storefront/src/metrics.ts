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
    cacheReads: meter.createCounter('shop_cache_reads', {
      description:
        'Catalogue cache reads, by result: hit, miss (read MySQL and filled), error (Redis failed; read MySQL), bypass (distrusted after a failed correction).',
    }),
    cacheWriteFailures: meter.createCounter('shop_cache_write_failures', {
      description:
        'Catalogue cache writes that failed after their retries (operation set), and deletes that failed too (operation delete). Counted with cache-write-checks.',
    }),
    ordersMispriced: meter.createCounter('shop_orders_mispriced', {
      description:
        'Paid orders the price audit found charged at a price the catalogue no longer had, by direction: under or over the catalogue price.',
    }),
    paymentRequests: meter.createCounter('shop_payment_requests', {
      description:
        'Attempts of the relay that asks payments again for charges checkout got no answer to, by outcome: answered, no-answer, expired.',
    }),
  };
  // Each outcome starts at 0: "no relay attempt yet" is a series, not an absence.
  for (const outcome of ['answered', 'no-answer', 'expired']) metrics.paymentRequests.add(0, { outcome });
  metrics.paymentsAbandoned.add(0);
  for (const operation of ['set', 'delete']) metrics.cacheWriteFailures.add(0, { operation });
  for (const direction of ['under', 'over']) metrics.ordersMispriced.add(0, { direction });
  // Orders are compared with payments by increase(): the series must exist before the first order.
  metrics.ordersCreated.add(0);
  return metrics;
}

export type StorefrontMetrics = ReturnType<typeof storefrontMetrics>;
