import { parseArgs } from 'node:util';
import type { LabOptions } from '../settings/lab-options';
import { backfillInvoices } from '../shop-data/backfill-invoices';
import { UsageError, usage } from './args';

export const backfillHelp = `lab backfill invoices [--dry-run] [--json]
  Repairs history after a silent failure: writes the missing invoice of every completed payment
  that has none (through invoicing, once per payment: a second run changes nothing), then removes
  from the dead-letter and unroutable queues the completion events it covered. --dry-run only lists the
  payments. Prints each payment it repaired; exit 1 when some could not be invoiced.`;

export async function backfillCommand(words: string[], options: LabOptions): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args: words,
      options: { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }),
  );
  if (positionals[0] !== 'invoices' || positionals.length > 1) {
    throw new UsageError(`name what to backfill: invoices (not "${positionals.join(' ') || 'nothing'}")`);
  }
  const dryRun = values['dry-run'] ?? false;
  const say = values.json ? () => undefined : (line: string) => console.log(line);
  const result = await backfillInvoices(options, { dryRun, onProgress: say });
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else if (dryRun) {
    for (const payment of result.missing)
      console.log(
        `would invoice payment ${payment.paymentId} (order ${payment.orderId}, ${payment.customer})`,
      );
    console.log(
      `${result.missing.length} completed payment(s) without an invoice; nothing changed (--dry-run).`,
    );
  } else {
    console.log(
      `${result.invoiced.length} invoice(s) written, ${result.failed.length} failed; ` +
        `parked messages (dead-letter, unroutable): ${result.parked.removed} removed, ${result.parked.kept} left.`,
    );
  }
  return result.failed.length === 0 ? 0 : 1;
}
