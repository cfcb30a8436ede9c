import type { LabOptions } from '../settings/lab-options';
import { backfillInvoices } from '../shop-data/backfill-invoices';
import { repairWords } from './args';

export const backfillHelp = `lab backfill invoices [--dry-run] [--json]
  Repairs history after a silent failure: writes the missing invoice of every completed payment
  that has none (through invoicing, once per payment: a second run changes nothing), then removes
  from the dead-letter and unroutable queues the completion events it covered. --dry-run only lists the
  payments. Prints each payment it repaired; exit 1 when some could not be invoiced.`;

export async function backfillCommand(words: string[], options: LabOptions): Promise<number> {
  const { dryRun, json } = repairWords(words, 'backfill', 'invoices');
  const say = json ? () => undefined : (line: string) => console.log(line);
  const result = await backfillInvoices(options, { dryRun, onProgress: say });
  if (json) {
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
