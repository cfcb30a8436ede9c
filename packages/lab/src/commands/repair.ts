import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { repairStalePrices } from '../settling/storefront-jobs';
import { repairWords } from './args';

export const repairHelp = `lab repair stale-prices [--dry-run] [--json]
  Decides, once, about every paid order charged a price the catalogue no longer had (lab check's
  staleOrderPrices; the catalogue cache kept an old price): an order charged less than the
  catalogue's price is honoured (the customer paid the price the shop showed; charging the card
  again is no repair), recorded so; an order charged more is listed as owed a refund of the
  difference and stays open. Needs the lab running (lab up). --dry-run lists without recording.
  Exit 1 when orders stay open.`;

const euros = (cents: number) => (cents / 100).toFixed(2);

export async function repairCommand(words: string[], options: LabOptions): Promise<number> {
  const { dryRun, json } = repairWords(words, 'repair', 'stale-prices');
  const result = await repairStalePrices(labServices(options), dryRun);
  if (json) {
    console.log(JSON.stringify({ dryRun, ...result }, null, 2));
  } else {
    const verb = dryRun ? 'would honour' : 'honoured';
    for (const order of result.honoured)
      console.log(
        `${verb} order ${order.orderId}: charged ${euros(order.chargedCents)}, catalogue ${euros(order.catalogueCents)}`,
      );
    for (const order of result.refundOwed)
      console.log(
        `owed a refund: order ${order.orderId}: charged ${euros(order.chargedCents)}, catalogue ${euros(order.catalogueCents)}`,
      );
    console.log(
      `${result.honoured.length} order(s) ${dryRun ? 'to honour' : 'honoured'}, ` +
        `${result.refundOwed.length} owed a refund of the difference` +
        (dryRun ? '; nothing recorded (--dry-run).' : '.'),
    );
  }
  return result.refundOwed.length === 0 ? 0 : 1;
}
