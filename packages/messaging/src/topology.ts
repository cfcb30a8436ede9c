/**
 * The whole RabbitMQ topology in one place: who publishes where, and which queue hears what.
 * Names carry the lab namespace so a test can run its own shop beside the learner's.
 */
export interface QueueSpec {
  name: string;
  exchange: string;
  bindings: string[];
}

export interface Topology {
  /** Topic exchange for domain events (`payment.completed`, `payment.failed`, …). */
  events: string;
  /** Direct exchange for work handed to a worker (`charge.requested`). */
  commands: string;
  queues: {
    /** invoicing: turns completed payments into invoices. */
    invoicing: QueueSpec;
    /** storefront: settles orders whose charge finished after checkout answered. */
    storefrontSettlement: QueueSpec;
    /** payments worker: charges accepted for later while the provider was down. */
    chargeRequests: QueueSpec;
    /** Messages a consumer failed twice, with the reason in their headers (fed by the broker client). */
    deadLetter: QueueSpec;
    /** Events no queue was bound to receive, returned to a publisher that asked (`mandatory`). */
    unroutable: QueueSpec;
  };
}

export type QueueKey = keyof Topology['queues'];

export function topology(namespace: string): Topology {
  const events = `${namespace}.events`;
  const commands = `${namespace}.commands`;
  return {
    events,
    commands,
    queues: {
      invoicing: {
        name: `${namespace}.invoicing.payment-completed`,
        exchange: events,
        bindings: ['payment.completed'],
      },
      storefrontSettlement: {
        name: `${namespace}.storefront.payment-events`,
        exchange: events,
        bindings: ['payment.completed', 'payment.failed'],
      },
      chargeRequests: {
        name: `${namespace}.payments.charge-requests`,
        exchange: commands,
        bindings: ['charge.requested'],
      },
      // Written to directly (default exchange), so they need no bindings.
      deadLetter: { name: `${namespace}.dead-letter`, exchange: '', bindings: [] },
      unroutable: { name: `${namespace}.unroutable`, exchange: '', bindings: [] },
    },
  };
}
