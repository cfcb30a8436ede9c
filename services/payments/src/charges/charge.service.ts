import { randomUUID } from 'node:crypto';
import { inTransaction, type Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { type Broker, envelope } from '@incident-lab/messaging';
import type { KeyProgress } from '@incident-lab/service-kit';
import type { Logger } from '@incident-lab/telemetry';
import { trace } from '@opentelemetry/api';
import type { PAYMENTS_FLAGS, PaymentsFlags } from '../flags';
import { chargeIdentity } from '../lessons/idempotency-keys';
import { markProcessed } from '../lessons/idempotent-consumer';
import { type AnnounceDeps, announce } from '../lessons/outbox';
import { mandatoryPublish } from '../lessons/unroutable-guard';
import type { PaymentsMetrics } from '../metrics';
import {
  findPayment,
  findPaymentWithDeadline,
  insertPayment,
  type Payment,
  type PaymentChange,
  type PaymentStatus,
  updatePayment,
} from './payments.repo';
import type { ProviderClient, ProviderResult } from './provider-client';

export interface ChargeDeps {
  pool: Pool;
  broker: Broker;
  logger: Logger;
  metrics: PaymentsMetrics;
  /** The flags of this request, message or run, as its edge took them. */
  flags: PaymentsFlags;
  provider: ProviderClient;
  /** A charge payments accepted is retried (worker) or re-driven (reconciler) this long, then failed. */
  chargeDeadlineS: number;
}

/** What payments holds for its whole life; each request, message or run adds its own flag snapshot. */
export type PaymentsServices = Omit<ChargeDeps, 'flags'> & { flags: FlagReader<typeof PAYMENTS_FLAGS> };

export interface ChargeRequest {
  orderId: string;
  amountCents: number;
  customer: string;
}

export interface RecordOptions {
  /** The message being handled, recorded as processed with the effect (idempotent consumer). */
  messageId?: string;
  /** Change the payment only while it is in one of these states (someone else may have settled it). */
  from?: PaymentStatus[];
  /** Runs after the commit, before the event is published: where a crash splits a dual write. */
  afterCommit?: () => Promise<void>;
}

/** How this unit of work writes and announces: events `mandatory` or not as its snapshot says. */
function announcing(deps: ChargeDeps): AnnounceDeps {
  const mandatory = mandatoryPublish(deps.flags['unroutable-guard']);
  return {
    pool: deps.pool,
    publish: (destination, message) =>
      destination === 'events'
        ? deps.broker.publishEvent(message, { mandatory })
        : deps.broker.sendCommand(message),
  };
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
  const completed = deps.flags['payments-event-rename'] ? 'payment.succeeded' : 'payment.completed';
  const event = charged
    ? envelope(completed, {
        ...ids,
        amountCents: payment.amountCents,
        customer: payment.customer,
        provider: result.provider,
        chargeId: result.chargeId,
      })
    : envelope('payment.failed', { ...ids, reason: result.reason });
  // Two writes, the state and the message announcing it: lessons/outbox.ts says how.
  const recorded = await announce(deps.flags.outbox)(
    announcing(deps),
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
 *
 * With a key, the payment and the recovery point naming it commit in one transaction before the
 * provider is called: a retry after a crash or a 5xx finds the payment and charges under the same
 * reference, so the provider answers with the charge it already made. Without a key every request is
 * a new payment, and the provider sees a new purchase.
 */
export async function charge(
  deps: ChargeDeps,
  request: ChargeRequest,
  progress: KeyProgress,
): Promise<Payment> {
  const recorded = progress.ids.paymentId;
  const resumed = recorded ? await findPayment(deps.pool, recorded) : undefined;
  if (recorded && !resumed) throw new Error(`payment ${recorded} on the key is missing`);
  // Settled, or queued for the worker, since the last attempt: that is the answer.
  if (resumed && resumed.status !== 'PENDING') return resumed;
  const payment = resumed ?? (await createPayment(deps, request, progress));
  const { id } = payment;
  // The ids `lab check` reports, on the span: a finding leads to its trace.
  trace.getActiveSpan()?.setAttributes({ 'shop.order.id': request.orderId, 'shop.payment.id': id });
  const reference = payment.providerReference ?? undefined;
  const result = await deps.provider.charge({ reference, ...request }, deps.flags);
  const ids = {
    paymentId: id,
    orderId: request.orderId,
    reason: 'reason' in result ? result.reason : undefined,
  };

  if (result.outcome === 'unavailable' && deps.flags['payments-queue-when-provider-down']) {
    const queued = await announce(deps.flags.outbox)(
      announcing(deps),
      (connection) =>
        updatePayment(connection, id, { status: 'QUEUED', failureReason: result.reason }, ['PENDING']),
      'commands',
      envelope('charge.requested', { paymentId: id, orderId: request.orderId }),
    );
    if (!queued) return (await findPayment(deps.pool, id)) as Payment;
    deps.metrics.queued.add(1);
    deps.logger.warn(ids, 'provider down; charge queued for the worker');
    return { ...payment, status: 'QUEUED', failureReason: result.reason };
  }
  // A resumed payment was sent before, by an attempt whose end nobody saw: "unavailable" now does
  // not say that one charged nothing.
  const unanswered =
    result.outcome === 'unknown' || (result.outcome === 'unavailable' && resumed !== undefined);
  if (unanswered && reference) {
    deps.metrics.unknown.add(1);
    deps.logger.warn(ids, 'no answer from the provider; payment left PENDING for the reconciler');
    return { ...payment, failureReason: result.reason };
  }
  return recordResult(deps, payment, result, { from: ['PENDING'] });
}

async function createPayment(
  deps: ChargeDeps,
  request: ChargeRequest,
  progress: KeyProgress,
): Promise<Payment> {
  const id = randomUUID();
  // The provider charges once per reference; lessons/idempotency-keys.ts says whether there is one.
  const payment: Payment = {
    id,
    ...request,
    status: 'PENDING',
    provider: null,
    providerChargeId: null,
    failureReason: null,
    providerReference: chargeIdentity(deps.flags['idempotency-keys']).referenceFor(id),
  };
  await inTransaction(deps.pool, async (connection) => {
    await insertPayment(connection, payment);
    await progress.record(connection, 'payment-created', { paymentId: id });
  });
  return payment;
}

/**
 * Reconciliation: asks the provider what it charged under this payment's reference and records it.
 * When the provider has no charge, a payment with a reference is charged now, under that same
 * reference (the provider charges a reference once, so this cannot charge twice), until the charge
 * deadline; only after it is the payment failed. A payment without a reference cannot be looked up
 * and is failed. Payments already COMPLETED or FAILED are returned as they are; a QUEUED one is the
 * worker's until the deadline.
 */
export async function resolvePayment(deps: ChargeDeps, id: string): Promise<Payment | undefined> {
  const payment = await findPaymentWithDeadline(deps.pool, id, deps.chargeDeadlineS);
  if (!payment || payment.status === 'COMPLETED' || payment.status === 'FAILED') return payment;
  const reference = payment.providerReference;
  const found = reference ? await deps.provider.findCharge(reference) : undefined;
  const from: PaymentStatus[] = ['PENDING', 'QUEUED'];
  if (found) return recordResult(deps, payment, { outcome: 'charged', ...found }, { from });
  if (reference && payment.msToDeadline > 0) {
    if (payment.status === 'QUEUED') return payment;
    const { orderId, amountCents, customer } = payment;
    const result = await deps.provider.charge({ reference, orderId, amountCents, customer }, deps.flags);
    if (result.outcome === 'unknown' || result.outcome === 'unavailable') return payment;
    deps.logger.warn(
      { paymentId: id, orderId },
      'resolve: the provider has no charge under this reference; charged now, under the same one',
    );
    return recordResult(deps, payment, result, { from });
  }
  const reason = reference
    ? 'no charge at the provider by the charge deadline (reconciled)'
    : 'no charge at the provider (reconciled)';
  return recordResult(deps, payment, { outcome: 'declined', reason, provider: 'primary' }, { from });
}
