import { getMeter } from '@incident-lab/telemetry';

/** Domain counters: what the business sees, whatever the HTTP status codes say. */
export function storefrontMetrics() {
  const meter = getMeter('storefront');
  return {
    ordersCreated: meter.createCounter('shop_orders_created', { description: 'Orders created by checkout.' }),
    ordersSettled: meter.createCounter('shop_orders_settled', {
      description:
        'Orders moved out of PENDING, by final status and by what settled them (checkout, event, relay or reconciler).',
    }),
    paymentRequests: meter.createCounter('shop_payment_requests', {
      description:
        'Attempts of the relay that asks payments again for charges checkout got no answer to, by outcome: answered, no-answer, expired.',
    }),
  };
}

export type StorefrontMetrics = ReturnType<typeof storefrontMetrics>;
