import type { Logger } from '@incident-lab/telemetry';
/**
 * Lab 3, `invoicing-dead-letter`: what invoicing's consumer does when an invoice cannot be made
 * (with the `invoicing-template-bug` fault, the template throws for some customers).
 */
export interface FailedInvoice {
  error: unknown;
  /** The payment, order and message the failure belongs to. */
  ids: Record<string, unknown>;
  /** Whether this is the broker's second delivery of the message. */
  redelivered: boolean;
  logger: Logger;
}

/**
 * Broken: swallow it. Logged at debug level (nobody sees it), the message acked: no error, no retry,
 * no dead letter, every dashboard green; the invoice simply never exists.
 */
export function swallow({ error, ids, logger }: FailedInvoice): void {
  logger.debug({ ...ids, err: error }, 'could not invoice payment');
}

/**
 * Fixed: say it loudly, with what happens next, and throw: the broker delivers it once more, then
 * parks it in the dead-letter queue with the reason (`shop_messages_dead_lettered_total`, an alert,
 * a runbook); `npx lab backfill invoices` repairs the history once the cause is fixed.
 */
export function deadLetter({ error, ids, redelivered, logger }: FailedInvoice): void {
  logger.error(
    { ...ids, reason: (error as Error).message },
    redelivered
      ? 'invoice failed again: the message goes to the dead-letter queue; fix the cause, then run `npx lab backfill invoices`'
      : 'invoice failed: the broker will deliver it once more',
  );
  throw error;
}

/** The lesson chosen by the `invoicing-dead-letter` flag's value. */
export const onInvoiceFailure = (invoicingDeadLetter: boolean) =>
  invoicingDeadLetter ? deadLetter : swallow;
