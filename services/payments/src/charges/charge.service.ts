import { randomUUID } from 'node:crypto';
import { inTransaction, type Pool, type PoolConnection } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { type Broker, type Envelope, envelope } from '@incident-lab/messaging';
import type { Logger } from '@incident-lab/telemetry';
import type { PaymentsMetrics } from '../metrics';
import { addToOutbox, type Destination } from '../outbox/outbox.repo';
import {
  findPayment,
  insertPayment,
  type Payment,
  type PaymentChange,
  type PaymentStatus,
  updatePayment,
} from './payments.repo';
import { markProcessed } from './processed-messages.repo';
import type { ProviderClient, ProviderResult } from './provider-client';

export interface ChargeDeps {
  pool: Pool;
  broker: Broker;
  logger: Logger;
  metrics: PaymentsMetrics;
  flags: FlagReader;
  provider: ProviderClient;
}

export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  customer: string;
}

/**
 * The reference the provider charges once. With `idempotency-keys` it is the payment id, the same on
 * every retry and in the worker; without, none is sent and every attempt is a new charge.
 */
export async function providerReference(deps: ChargeDeps, payment: Payment): Promise<string | undefined> {
  return (await deps.flags.bool('idempotency-keys')) ? payment.id : undefined;
}

/**
 * Writes a state change and the message announcing it. Broken: commit, then publish: two writes with
 * a gap between them, and a crash in the gap loses the message. Fixed (`outbox`): the message is a
 * row in the same transaction, and the outbox relay publishes it.
 */
async function commitAndAnnounce(
  deps: ChargeDeps,
  change: (connection: PoolConnection) => Promise<boolean>,
  destination: Destination,
  message: Envelope,
  afterCommit?: () => Promise<void>,
): Promise<boolean> {
  const outbox = await deps.flags.bool('outbox');
  const changed = await inTransaction(deps.pool, async (connection) => {
    const moved = await change(connection);
    if (moved && outbox) await addToOutbox(connection, destination, message);
    return moved;
  });
  if (!changed) return false;
  await afterCommit?.();
  if (!outbox) {
    if (destination === 'events') await deps.broker.publishEvent(message);
    else await deps.broker.sendCommand(message);
  }
  return true;
}

export interface RecordOptions {
  /** The message being handled, recorded as processed with the effect (idempotent consumer). */
  messageId?: string;
  /** Change the payment only while it is in one of these states (someone else may have settled it). */
  from?: PaymentStatus[];
  /** Runs after the commit, before the event is published: where a crash splits a dual write. */
  afterCommit?: () => Promise<void>;
}

/** Records the provider's answer and tells the rest of the shop with `payment.completed` or `.failed`. */
export async function recordResult(
  deps: ChargeDeps,
  payment: Payment,
  result: ProviderResult,
  options: RecordOptions = {},
): Promise<Payment> {
  const ids = { orderId: payment.orderId, paymentId: payment.id };
  const charged = result.outcome === 'charged';
  const change: PaymentChange = charged
    ? { status: 'COMPLETED', provider: result.provider, providerChargeId: result.chargeId }
    : { status: 'FAILED', failureReason: result.reason };
  // The silent-failure lab's "small rename": with the fault on, nobody is bound to the new name.
  const completed = (await deps.flags.bool('payments-event-rename'))
    ? 'payment.succeeded'
    : 'payment.completed';
  const event = charged
    ? envelope(completed, {
        ...ids,
        amountCents: payment.amountCents,
        customer: payment.customer,
        provider: result.provider,
        chargeId: result.chargeId,
      })
    : envelope('payment.failed', { ...ids, reason: result.reason });
  const recorded = await commitAndAnnounce(
    deps,
    async (connection) => {
      if (options.messageId) await markProcessed(connection, options.messageId, 'payments.charge-requests');
      return updatePayment(connection, payment.id, change, options.from);
    },
    'events',
    event,
    options.afterCommit,
  );
  if (!recorded) {
    deps.logger.info(ids, 'payment already settled elsewhere; this result is not recorded');
    return (await findPayment(deps.pool, payment.id)) as Payment;
  }
  if (charged) {
    deps.metrics.completed.add(1, { provider: result.provider });
    deps.logger.info({ ...ids, chargeId: result.chargeId }, 'payment completed; payment.completed sent');
  } else {
    deps.metrics.failed.add(1, { reason: result.outcome });
    deps.logger.warn({ ...ids, reason: result.reason }, 'payment failed; payment.failed sent');
  }
  return { ...payment, ...change };
}

/**
 * Charges an order now. When the provider is down (nothing charged) and the flag allows it, the
 * charge is accepted for later and handed to the worker through the charge-requests queue.
 *
 * When no answer came back at all, the card may have been charged. Broken: that is recorded as a
 * failure. Fixed (`idempotency-keys`, so the provider knows the charge by the payment id): the payment
 * stays PENDING (202) until the reconciler asks the provider what happened.
 */
export async function charge(deps: ChargeDeps, request: ChargeRequest): Promise<Payment> {
  const id = randomUUID();
  await insertPayment(deps.pool, { id, ...request });
  const payment = (await findPayment(deps.pool, id)) as Payment;
  const reference = await providerReference(deps, payment);
  const result = await deps.provider.charge({ reference, ...request });
  const ids = {
    paymentId: id,
    orderId: request.orderId,
    reason: 'reason' in result ? result.reason : undefined,
  };

  if (result.outcome === 'unavailable' && (await deps.flags.bool('payments-queue-when-provider-down'))) {
    await commitAndAnnounce(
      deps,
      (connection) => updatePayment(connection, id, { status: 'QUEUED', failureReason: result.reason }),
      'commands',
      envelope('charge.requested', { paymentId: id, orderId: request.orderId }),
    );
    deps.metrics.queued.add(1);
    deps.logger.warn(ids, 'provider down; charge queued for the worker');
    return { ...payment, status: 'QUEUED', failureReason: result.reason };
  }
  if (result.outcome === 'unknown' && reference) {
    deps.metrics.unknown.add(1);
    deps.logger.warn(ids, 'no answer from the provider; payment left PENDING for the reconciler');
    return { ...payment, failureReason: result.reason };
  }
  return recordResult(deps, payment, result);
}

/**
 * Reconciliation: asks the provider what it charged under this payment's reference and records
 * that. Payments already COMPLETED or FAILED are returned as they are.
 */
export async function resolvePayment(deps: ChargeDeps, payment: Payment): Promise<Payment> {
  if (payment.status === 'COMPLETED' || payment.status === 'FAILED') return payment;
  const found = await deps.provider.findCharge(payment.id);
  const result: ProviderResult = found
    ? { outcome: 'charged', ...found }
    : { outcome: 'declined', reason: 'no charge at the provider (reconciled)', provider: 'primary' };
  return recordResult(deps, payment, result, { from: ['PENDING', 'QUEUED'] });
}
