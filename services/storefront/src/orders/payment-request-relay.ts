import type { FlagReader } from '@incident-lab/flags';
import { type Poller, poll } from '@incident-lab/service-kit';
import { type Logger, polledGauge } from '@incident-lab/telemetry';
import type { ShopDb } from '../db/shop-db';
import type { STOREFRONT_FLAGS } from '../flags';
import { PAYMENTS_TIMEOUT_MS } from '../lessons/http-timeouts';
import type { StorefrontMetrics } from '../metrics';
import { settleOrder } from './orders.repo';
import {
  claimPaymentRequest,
  closePaymentRequest,
  duePaymentRequests,
  openPaymentRequestCount,
  type PaymentRequest,
  retryPaymentRequest,
} from './payment-requests.repo';
import { askPayments, type PaymentsApi } from './payments-client';

const POLL_MS = 1_000;
const BATCH = 10;
/** Between attempts: 2, 4, 8, 16, then 30 s, each with up to half again of jitter. */
function backoffS(attempts: number): number {
  return Math.min(30, 2 ** (attempts + 1)) * (1 + Math.random() / 2);
}

/**
 * Keeps the promise of a 202 PENDING (with `idempotency-keys`): asks payments again, under the
 * order's own Idempotency-Key, for every charge request checkout could not get an answer to (payments
 * down, restarting, a lost connection), until payments answers one it stands behind. At the deadline
 * the order is failed with the reason, and the reconciler refunds any charge that happened anyway.
 * Like rocket-rides-atomic's completer, it finishes what a dead or failed request started.
 */
export class PaymentRequestRelay {
  private poller?: Poller;
  private stopped = false;
  private readonly openGauge: { stop(): void };

  constructor(
    private readonly deps: {
      db: ShopDb;
      flags: FlagReader<typeof STOREFRONT_FLAGS>;
      payments: PaymentsApi;
      logger: Logger;
      metrics: StorefrontMetrics;
    },
  ) {
    // Promises still being kept, counted in the background: a scrape must not queue in the pool.
    this.openGauge = polledGauge(
      'storefront',
      'shop_payment_requests_open',
      'Charge requests storefront still owes payments (orders answered 202 with no answer from payments yet).',
      () => openPaymentRequestCount(deps.db),
    );
  }

  start(): void {
    this.poller = poll(
      () => this.relayOnce(),
      POLL_MS,
      (error) => this.deps.logger.warn({ err: error }, 'payment request relay failed; will retry'),
      POLL_MS,
    );
  }

  /** Stops taking requests and waits for the attempt under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.openGauge.stop();
    await this.poller?.stop();
  }

  /** One pass over the due requests, under one flag snapshot; returns how many it attempted. */
  relayOnce(): Promise<number> {
    return this.deps.flags.run(() => this.pass());
  }

  private async pass(): Promise<number> {
    let attempted = 0;
    for (const request of await duePaymentRequests(this.deps.db, BATCH)) {
      if (this.stopped) break;
      if (!(await claimPaymentRequest(this.deps.db, request.orderId, backoffS(request.attempts)))) continue;
      attempted++;
      if (request.overdue) await this.expire(request);
      else await this.ask(request);
    }
    return attempted;
  }

  private async ask(request: PaymentRequest): Promise<void> {
    const { db, logger, metrics } = this.deps;
    const { orderId } = request;
    const outcome = await askPayments(
      this.deps.payments,
      { orderId, amountCents: request.amountCents, customer: request.customer },
      { timeoutMs: PAYMENTS_TIMEOUT_MS, idempotencyKey: orderId, resendCount: request.attempts },
    );
    const log = { orderId, attempt: request.attempts + 1, outcome: outcome.status };
    if (outcome.status === 'UNKNOWN') {
      metrics.paymentRequests.add(1, { outcome: 'no-answer' });
      await db.transaction((connection) =>
        retryPaymentRequest(connection, orderId, backoffS(request.attempts + 1), outcome.reason),
      );
      logger.warn({ ...log, reason: outcome.reason }, 'payments still gives no answer; asking again later');
      return;
    }
    const status =
      outcome.status === 'COMPLETED' ? 'PAID' : outcome.status === 'FAILED' ? 'FAILED' : undefined;
    const moved = await db.transaction(async (connection) => {
      const settled = status
        ? await settleOrder(connection, orderId, status, {
            paymentId: outcome.paymentId,
            failureReason: outcome.status === 'FAILED' ? outcome.reason : null,
          })
        : false;
      await closePaymentRequest(connection, orderId, 'ANSWERED');
      return settled;
    });
    metrics.paymentRequests.add(1, { outcome: 'answered' });
    if (moved && status) metrics.ordersSettled.add(1, { status, by: 'relay' });
    logger.info(
      log,
      status
        ? `payments answered; order ${moved ? 'settled' : 'was settled already'}`
        : 'payments has the charge queued; the payment event settles the order',
    );
  }

  private async expire(request: PaymentRequest): Promise<void> {
    const reason = `payments could not be reached before the deadline (${request.attempts} attempts)`;
    const moved = await this.deps.db.transaction(async (connection) => {
      const settled = await settleOrder(connection, request.orderId, 'FAILED', { failureReason: reason });
      await closePaymentRequest(connection, request.orderId, 'EXPIRED');
      return settled;
    });
    this.deps.metrics.paymentRequests.add(1, { outcome: 'expired' });
    if (moved) this.deps.metrics.ordersSettled.add(1, { status: 'FAILED', by: 'relay' });
    this.deps.logger.error(
      { orderId: request.orderId, reason },
      'charge request expired: order failed; the reconciler refunds any charge that happened anyway',
    );
  }
}
