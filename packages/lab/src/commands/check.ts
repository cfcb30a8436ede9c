import { parseArgs } from 'node:util';
import { audit } from '../audit/invariants';
import type { LabOptions } from '../settings/lab-options';
import { usage } from './args';

export const checkHelp = `lab check [--json]
  Audits the shop against the provider ledgers (the customer's truth) and the queues: double
  charges, orders PAID without a charge, charges whose order is not PAID, completed payments
  without an invoice (and those of them no parked message accounts for), events waiting unconsumed,
  dead-lettered messages, orders still PENDING, orders payments never heard of; and what the customer meant: purchases (one
  Idempotency-Key) charged twice or made into two orders, orphan payments, idempotency keys stuck
  in flight, orders answered 202 PENDING that ended FAILED; and paid orders charged a price the
  catalogue no longer had (staleOrderPrices; lab repair stale-prices decides about them). With the
  ids behind each.
  Exit status 1 when it finds anything.`;

export async function checkCommand(words: string[], options: LabOptions): Promise<number> {
  const { values } = usage(() =>
    parseArgs({ args: words, options: { json: { type: 'boolean' } }, strict: true }),
  );
  const result = await audit(options);
  const total = Object.values(result.counts).reduce((sum, count) => sum + count, 0);
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    for (const [name, ids] of Object.entries(result.findings)) {
      const shown = ids.slice(0, 10).join(', ') + (ids.length > 10 ? `, … (${ids.length - 10} more)` : '');
      console.log(
        `${ids.length === 0 ? '✓' : '✗'} ${name.padEnd(24)} ${String(ids.length).padStart(5)}${ids.length ? `  ${shown}` : ''}`,
      );
    }
    // One payment can break two invariants (no invoice, and no parked message saying why): count the
    // broken invariants and the distinct ids behind them, not the sum of the lists.
    const broken = Object.values(result.counts).filter((count) => count > 0).length;
    const ids = new Set(Object.values(result.findings).flat()).size;
    console.log(
      total === 0
        ? '\nThe shop agrees with the card statements.'
        : `\n${broken} of ${Object.keys(result.counts).length} invariants broken, by ${ids} distinct id(s).`,
    );
  }
  return total === 0 ? 0 : 1;
}
