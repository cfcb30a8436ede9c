import { createPool } from '@incident-lab/db';
import { internalAuth } from '@incident-lab/http-client';
import { sweepParked } from '@incident-lab/messaging';
import { type UninvoicedPayment, uninvoicedPayments } from '@incident-lab/shop-audit';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';

export interface BackfillResult {
  dryRun: boolean;
  /** Completed payments that had no invoice when the backfill started. */
  missing: UninvoicedPayment[];
  invoiced: string[];
  failed: Array<{ paymentId: string; reason: string }>;
  /** Parked messages (dead-letter and unroutable queues) the repair covered and removed, and the rest. */
  parked: { removed: number; kept: number };
}

/** The payments still without an invoice, on a pool of its own. */
async function missingInvoices(options: LabOptions): Promise<UninvoicedPayment[]> {
  const pool = createPool({ url: options.mysqlUrl, connectionLimit: 1 });
  try {
    return await uninvoicedPayments(pool, options.namespace);
  } finally {
    await pool.end();
  }
}

/**
 * Repairs history: asks invoicing to invoice each completed payment that has none (`POST /invoices`,
 * once per payment, so a second run changes nothing), then removes from the dead-letter and
 * unroutable queues the completion events whose payment now has its invoice. With `dryRun` it only
 * lists.
 */
export async function backfillInvoices(
  options: LabOptions,
  { dryRun, onProgress }: { dryRun: boolean; onProgress?: (line: string) => void },
): Promise<BackfillResult> {
  const missing = await missingInvoices(options);
  const result: BackfillResult = {
    dryRun,
    missing,
    invoiced: [],
    failed: [],
    parked: { removed: 0, kept: 0 },
  };
  if (dryRun) return result;
  const invoicing = labServices(options).find((service) => service.name === 'invoicing')?.url as string;
  for (const payment of missing) {
    let response: Response;
    try {
      response = await fetch(`${invoicing}/invoices`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...internalAuth(options.secrets.internalToken) },
        body: JSON.stringify(payment),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new Error(
        `invoicing does not answer at ${invoicing} (start the lab: npx lab up): ${(error as Error).message}`,
      );
    }
    const body = (await response.json().catch(() => ({}))) as { detail?: string; title?: string };
    if (response.ok) {
      result.invoiced.push(payment.paymentId);
      onProgress?.(`invoiced payment ${payment.paymentId} (order ${payment.orderId})`);
    } else {
      const reason = body.detail ?? body.title ?? `invoicing answered ${response.status}`;
      result.failed.push({ paymentId: payment.paymentId, reason });
      onProgress?.(`could not invoice payment ${payment.paymentId}: ${reason}`);
    }
  }
  const stillMissing = new Set((await missingInvoices(options)).map((payment) => payment.paymentId));
  // Parked completion events (dead-lettered, or unroutable under a wrong name) whose payment now has its invoice.
  result.parked = await sweepParked(options.amqpUrl, options.namespace, ({ envelope }) => {
    const paymentId = (envelope.data as { paymentId?: string }).paymentId;
    return (
      /^payment\.(completed|succeeded)$/.test(envelope.type) &&
      paymentId !== undefined &&
      !stillMissing.has(paymentId)
    );
  });
  return result;
}
