import { parseArgs } from 'node:util';
import { startLab } from '../stack/lab';
import type { LabOptions } from '../stack/lab-options';
import { DEFAULT_PROMETHEUS_PORT, type RunningPrometheus, startPrometheus } from '../stack/prometheus';
import { positiveInteger, usage } from './args';

export const upHelp = `lab up [--observe [--prometheus-port N]]
  Migrates and seeds the shop if needed, starts every service as a local process, waits until all
  are ready, prints their URLs and streams their logs. Ctrl-C stops them all cleanly.
  --observe also starts the machine's Prometheus (apt install prometheus) on port N (default 9090),
  scraping every service every 2 s and evaluating the lab's alert rules: alerts without Docker
  (set LAB_PROMETHEUS_URL=http://127.0.0.1:N for lab run).
  Needs MySQL and RabbitMQ (MYSQL_URL, AMQP_URL; default the local servers).`;

export async function up(words: string[], options: LabOptions): Promise<void> {
  const { values } = usage(() =>
    parseArgs({
      args: words,
      options: { observe: { type: 'boolean' }, 'prometheus-port': { type: 'string' } },
      allowPositionals: false,
      strict: true,
    }),
  );
  const port = positiveInteger(values['prometheus-port'], '--prometheus-port', DEFAULT_PROMETHEUS_PORT);
  const lab = await startLab(options, { log: (line) => console.log(line), colour: process.stdout.isTTY });
  let prometheus: RunningPrometheus | undefined;
  try {
    if (values.observe) prometheus = await startPrometheus(options, { port });
  } catch (error) {
    await lab.stop();
    throw error;
  }
  console.log('\nThe lab is up:');
  for (const service of lab.services) console.log(`  ${service.name.padEnd(18)} ${service.url}`);
  console.log(`
  Shop API          ${lab.services[0]?.url}/api/products   (log in as user1@shop.test / lab-password)
  Traces            http://localhost:16686 (Jaeger, when running: docker compose up -d jaeger)
  Metrics           <service url>/metrics
  Alerts            ${prometheus ? `${prometheus.url}/alerts (LAB_PROMETHEUS_URL=${prometheus.url})` : 'lab up --observe, or docker compose up'}
Press Ctrl-C to stop.\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  console.log('\nStopping the lab…');
  await prometheus?.stop();
  await lab.stop();
  console.log('Stopped.');
}
