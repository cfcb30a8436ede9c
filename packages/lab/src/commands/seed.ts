import { parseArgs } from 'node:util';
import { checkInfrastructure } from '../clients/infrastructure';
import type { LabOptions } from '../settings/lab-options';
import { migrateAll, seed } from '../shop-data/data';
import { positiveInteger, usage } from './args';

export const seedHelp = `lab seed [--orders N]
  Adds the customers (user1@shop.test … user20@shop.test), the staff member who may read the
  sales report (staff@shop.test), all with password lab-password, and the products if missing.
  With --orders N, makes the history of paid orders (what the sales report aggregates) exactly N:
  tops it up, or removes the surplus, so seeding twice does not double the report's cost.`;

export async function seedCommand(words: string[], options: LabOptions): Promise<void> {
  const { values } = usage(() =>
    parseArgs({
      args: words,
      options: { orders: { type: 'string' } },
      allowPositionals: false,
      strict: true,
    }),
  );
  const target = values.orders === undefined ? undefined : positiveInteger(values.orders, '--orders', 0);
  await checkInfrastructure(options);
  await migrateAll(options);
  const started = Date.now();
  const result = await seed(options, target, (done) => {
    process.stdout.write(`\r  orders: ${done}`);
  });
  const { before, added, removed } = result.history;
  if (added || removed) process.stdout.write('\n');
  const change = added ? `added ${added}` : removed ? `removed ${removed}` : 'unchanged';
  console.log(
    `${result.users} users (password "${result.password}") and ${result.products} products in place; history ${result.historyNow} orders (was ${before}, ${change}), ${((Date.now() - started) / 1000).toFixed(1)} s.`,
  );
}
