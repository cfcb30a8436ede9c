import { parseArgs } from 'node:util';
import { migrateAll, seed } from '../stack/data';
import { checkInfrastructure } from '../stack/infrastructure';
import type { LabOptions } from '../stack/lab-options';
import { positiveInteger, usage } from './args';

export const seedHelp = `lab seed [--orders N]
  Adds the customers (user1@shop.test … user20@shop.test), the staff member who may read the
  sales report (staff@shop.test), all with password lab-password, and the products if missing, and N paid historical orders (default 0): the data the sales report aggregates.
  The more orders, the heavier the report.`;

export async function seedCommand(words: string[], options: LabOptions): Promise<void> {
  const { values } = usage(() =>
    parseArgs({ args: words, options: { orders: { type: 'string' } }, allowPositionals: true, strict: true }),
  );
  const orders = positiveInteger(values.orders, '--orders', 0);
  await checkInfrastructure(options);
  await migrateAll(options);
  const started = Date.now();
  const result = await seed(options, orders, (done) => {
    process.stdout.write(`\r  orders: ${done}/${orders}`);
  });
  if (orders > 0) process.stdout.write('\n');
  console.log(
    `Seeded ${result.users} users (password "${result.password}"), ${result.products} products and ${result.orders} historical orders in ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
}
