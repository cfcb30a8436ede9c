/**
 * The `checkout-handoff-lost` fault: a release bug on checkout's new saved-card path, which every
 * third customer takes (user-3, user-6, user-9, …). It records the order and answers "payment in
 * progress", but never hands the order to payments: nearly one order in three waits for a charge that
 * never comes, and every HTTP status is a success. Nothing logs it; that is the bug.
 */
export function handoffLost(faultOn: boolean, customer: string): boolean {
  return faultOn && Number(customer.replace(/\D/g, '')) % 3 === 0;
}
