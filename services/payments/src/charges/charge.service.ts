import { randomUUID } from 'node:crypto';
import type { Pool } from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { type Broker, envelope } from '@incident-lab/messaging';
import type { Logger } from '@incident-lab/telemetry';
import type { PaymentsMetrics } from '../metrics';
import { findPayment, insertPayment, type Payment, updatePayment } from './payments.repo';
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
 * Records the provider's answer and tells the rest of the shop. The row is committed first and the
 * event published after: two writes with a gap between them (the dual write the outbox fixes).
 */
export async function recordResult(
  deps: ChargeDeps,
  payment: Payment,
  result: ProviderResult,
): Promise<Payment> {
  const { logger } = deps;
  const ids = { orderId: payment.orderId, paymentId: payment.id };
  if (result.outcome === 'charged') {
    await updatePayment(deps.pool, payment.id, {
      status: 'COMPLETED',
      provider: result.provider,
      providerChargeId: result.chargeId,
    });
    deps.metrics.completed.add(1, { provider: result.provider });
    logger.info({ ...ids, chargeId: result.chargeId }, 'payment completed; publishing payment.completed');
    await deps.broker.publishEvent(
      envelope('payment.completed', {
        ...ids,
        amountCents: payment.amountCents,
        customer: payment.customer,
        provider: result.provider,
        chargeId: result.chargeId,
      }),
    );
    return { ...payment, status: 'COMPLETED', provider: result.provider, providerChargeId: result.chargeId };
  }
  await updatePayment(deps.pool, payment.id, { status: 'FAILED', failureReason: result.reason });
  deps.metrics.failed.add(1, { reason: result.outcome });
  logger.warn({ ...ids, reason: result.reason }, 'payment failed; publishing payment.failed');
  await deps.broker.publishEvent(envelope('payment.failed', { ...ids, reason: result.reason }));
  return { ...payment, status: 'FAILED', failureReason: result.reason };
}

/**
 * Charges an order now, or, when the provider is unreachable and the flag allows it, accepts the
 * charge for later and hands it to the worker through the charge-requests queue.
 */
export async function charge(deps: ChargeDeps, request: ChargeRequest): Promise<Payment> {
  const id = randomUUID();
  await insertPayment(deps.pool, { id, ...request });
  const payment = (await findPayment(deps.pool, id)) as Payment;
  const result = await deps.provider.charge({ reference: id, ...request });

  if (result.outcome === 'unavailable' && (await deps.flags.bool('payments-queue-when-provider-down'))) {
    await updatePayment(deps.pool, id, { status: 'QUEUED', failureReason: result.reason });
    await deps.broker.sendCommand(envelope('charge.requested', { paymentId: id, orderId: request.orderId }));
    deps.metrics.queued.add(1);
    deps.logger.warn(
      { paymentId: id, orderId: request.orderId, reason: result.reason },
      'provider unreachable; charge queued for the worker',
    );
    return { ...payment, status: 'QUEUED', failureReason: result.reason };
  }
  return recordResult(deps, payment, result);
}
