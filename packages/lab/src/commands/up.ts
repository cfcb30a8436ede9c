import { parseArgs } from 'node:util';
import { startLab } from '../stack/lab';
import type { LabOptions } from '../stack/lab-options';
import { usage } from './args';

export const upHelp = `lab up
  Migrates and seeds the shop if needed, starts every service as a local process, waits until all
  are ready, prints their URLs and streams their logs. Ctrl-C stops them all cleanly.
  Needs MySQL and RabbitMQ (MYSQL_URL, AMQP_URL; default the local servers).`;

export async function up(words: string[], options: LabOptions): Promise<void> {
  usage(() => parseArgs({ args: words, options: {}, allowPositionals: true, strict: true }));
  const lab = await startLab(options, { log: (line) => console.log(line), colour: process.stdout.isTTY });
  console.log('\nThe lab is up:');
  for (const service of lab.services) console.log(`  ${service.name.padEnd(18)} ${service.url}`);
  console.log(`
  Shop API          ${lab.services[0]?.url}/api/products   (log in as user1@shop.test / lab-password)
  Traces            http://localhost:16686 (Jaeger, when running: docker compose up -d jaeger)
  Metrics           <service url>/metrics
Press Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('\nStopping the lab…');
  await lab.stop();
  console.log('Stopped.');
}
