import type { InvariantName, Probe } from './scenario';

/** A claim that an audit finding stays at zero (or at most `atMost`). */
export function auditProbe(name: string, invariant: InvariantName, headline?: string): Probe {
  return {
    name,
    measure: { kind: 'invariant', name: invariant },
    atMost: 0,
    ...(headline ? { headline } : {}),
  };
}

/** The audit claims several labs make, each worded once. */
export const NO_DOUBLE_CHARGE = auditProbe('no card charged twice', 'doubleCharges');
export const NO_CHARGE_WITHOUT_PAID_ORDER = auditProbe(
  'no card charged for an order that is not PAID',
  'chargedNotPaid',
);
export const NO_PAID_ORDER_WITHOUT_CHARGE = auditProbe('no order PAID without a charge', 'paidWithoutCharge');
export const EVERY_ORDER_SETTLED = auditProbe('every order settled', 'pendingOrders');
export const EVERY_PAYMENT_INVOICED = auditProbe(
  'every completed payment invoiced',
  'paymentsWithoutInvoice',
);
