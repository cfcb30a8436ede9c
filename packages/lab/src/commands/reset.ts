import { parseArgs } from 'node:util';
import type { LabOptions } from '../settings/lab-options';
import { reset } from '../shop-data/data';
import { usage } from './args';

export const resetHelp = `lab reset
  Empties what the shop wrote: checkout orders, payments, provider ledgers, invoices, and every lab
  queue. Keeps users, products, the seeded order history and the flags.`;

export async function resetCommand(words: string[], options: LabOptions): Promise<void> {
  usage(() => parseArgs({ args: words, options: {}, allowPositionals: false, strict: true }));
  const { queues } = await reset(options);
  const purged = Object.entries(queues).map(([queue, count]) => `${queue}: ${count}`);
  console.log(`Reset the lab's tables and catalogue cache; purged queues (${purged.join(', ')}).`);
}
