import { parseArgs } from 'node:util';
import type { RunningConsole } from '@incident-lab/console';
import { DEFAULT_PROMETHEUS_PORT, type RunningPrometheus, startPrometheus } from '../clients/prometheus';
import { cleanUpStaleDrill } from '../drill/run-drill';
import type { LabOptions } from '../settings/lab-options';
import { startLab } from '../supervisor/lab';
import { consoleServiceEnv, startLabConsole } from '../supervisor/lab-console';
import { positiveInteger, usage } from './args';

export const upHelp = `lab up [--observe [--prometheus-port N]] [--no-console]
  Migrates and seeds the shop if needed, starts every service as a local process, waits until all
  are ready, prints their URLs and streams their logs. Ctrl-C stops them all cleanly.
  Also starts the lab console (http://localhost:3080, LAB_CONSOLE_PORT or LAB_PORT_BASE+80): flags,
  live signals, traces with their log lines, broken beside fixed, runs and the audit. The services
  send it their traces; when OTEL_EXPORTER_OTLP_ENDPOINT is set (compose's Jaeger on :4318), the
  console forwards every span there too. --no-console leaves it out (traces then go to that endpoint).
  --observe also starts the machine's Prometheus (apt install prometheus) on port N (default 9090),
  scraping every service every 2 s and evaluating the lab's alert rules: alerts without Docker
  (set LAB_PROMETHEUS_URL=http://127.0.0.1:N for lab run).
  Needs MySQL, RabbitMQ and Redis (MYSQL_URL, AMQP_URL, REDIS_URL; default the local servers).`;

export async function up(words: string[], options: LabOptions): Promise<void> {
  const { values } = usage(() =>
    parseArgs({
      args: words,
      options: {
        observe: { type: 'boolean' },
        'prometheus-port': { type: 'string' },
        'no-console': { type: 'boolean' },
      },
      allowPositionals: false,
      strict: true,
    }),
  );
  const port = positiveInteger(values['prometheus-port'], '--prometheus-port', DEFAULT_PROMETHEUS_PORT);
  const prometheusUrl = values.observe ? `http://127.0.0.1:${port}` : undefined;
  // A drill whose process is gone must not keep hiding flags in the lab that starts now.
  if (await cleanUpStaleDrill(options))
    console.log(
      'A drill had been left running without its process: its flags are back as they were before it.',
    );
  // The console first: the services send it their traces from their first request on.
  const userEndpoint = options.observability.otlpEndpoint;
  const labConsole: RunningConsole | undefined = values['no-console']
    ? undefined
    : await startLabConsole(options, {
        ...(userEndpoint ? { forwardOtlpTo: userEndpoint } : {}),
        ...(prometheusUrl ? { prometheusUrl } : {}),
      });
  let lab: Awaited<ReturnType<typeof startLab>>;
  try {
    lab = await startLab(options, {
      log: (line) => console.log(line),
      colour: process.stdout.isTTY,
      // Traces and log records go to the console, which forwards them to the learner's endpoint.
      ...(labConsole
        ? { serviceEnv: consoleServiceEnv(labConsole.url), hideDebug: !process.env.LOG_LEVEL }
        : {}),
    });
  } catch (error) {
    await labConsole?.stop();
    throw error;
  }
  let prometheus: RunningPrometheus | undefined;
  try {
    if (values.observe) prometheus = await startPrometheus(options, { port });
  } catch (error) {
    await lab.stop();
    await labConsole?.stop();
    throw error;
  }
  console.log('\nThe lab is up:');
  for (const service of lab.services) console.log(`  ${service.name.padEnd(18)} ${service.url}`);
  const traces = labConsole
    ? `${labConsole.url}/#/traces${userEndpoint ? ` (every span also forwarded to ${userEndpoint})` : ''}`
    : `exported to ${userEndpoint ?? 'http://localhost:4318'} (Jaeger: docker compose up -d jaeger)`;
  console.log(`
  Console           ${labConsole ? `${labConsole.url}   flags, live signals, traces with their logs, runs and the audit` : 'off (--no-console)'}
  Shop API          ${lab.services[0]?.url}/api/products   (log in as user1@shop.test / lab-password)
  Traces            ${traces}
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
  await labConsole?.stop();
  console.log('Stopped.');
}
