/**
 * Lab 3, `unroutable-guard`: what payments asks of RabbitMQ when it publishes an event. With the
 * `payments-event-rename` fault, `payment.completed` goes out under a name no queue is bound to.
 */

/**
 * Broken: publish and trust the confirm. RabbitMQ confirms an event no queue receives and drops it:
 * every request 200, no invoice, no error anywhere.
 */
export function publishBlind(): boolean {
  return false;
}

/**
 * Fixed: publish `mandatory`: an event no queue would receive comes back (`basic.return`), the
 * publish fails loudly, and `shop_messages_unroutable_total` counts it for the alert.
 */
export function publishMandatory(): boolean {
  return true;
}

/** The lesson chosen by the `unroutable-guard` flag's value. */
export const mandatoryPublish = (unroutableGuard: boolean) =>
  (unroutableGuard ? publishMandatory : publishBlind)();
