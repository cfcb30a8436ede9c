import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseAssignments, shippedVariants } from '@incident-lab/flags';
import { type ClientBehaviour, SCENARIOS } from '@incident-lab/scenarios';
import { annotate } from '../clients/grafana-annotations';
import { DEFAULT_PROMETHEUS_PORT, startPrometheus } from '../clients/prometheus';
import { chooseTraceViewer } from '../clients/trace-viewer';
import { runLab } from '../lab-run/run-lab';
import { planRun, type RunPlan } from '../lab-run/run-plan';
import { formatValue, namedPhases, spansText } from '../report/report-text';
import { writeReport } from '../report/write-report';
import { consoleUrl, type LabOptions } from '../settings/lab-options';
import { consoleServiceEnv, startLabConsole } from '../supervisor/lab-console';
import { positiveInteger, UsageError, usage } from './args';

export const runHelp = `lab run <lab> [--phase broken|fixed|both | --flags key=value,… | --ladder] [--duration S]
        [--rate RPS] [--seed N] [--out DIR] [--json FILE] [--client give-up|retry|retry-after]
        [--observe [--prometheus-port N]]
  Drives the same seeded load against the broken and the fixed shop and writes a before/after
  report (report.json, report.md, report.html) to DIR/<lab>-<time>/ (default ./reports).
  Per phase: reset, set the phase's flags and wait until applied, warm up, load, drain the queues,
  audit (lab check), compare with the lab's hypothesis. The broken phase has every fix of the lab
  off, whatever the flag file says now. --flags runs one custom phase instead: broken but for the
  flags given. --ladder runs broken, then each fix alone, then all fixes, under one seed, and adds
  the ladder (each rung's probes, table and chart) to the report; a rung takes as long as a phase.
  --client overrides what simulated users do on a timeout or error: give up, retry twice at once, or
  retry twice after the Retry-After the shop sends (default: the lab's own).
  Starts the lab and its console for the run if the lab is not up. Each phase ends with what the
  services' OpenTelemetry SDKs did with its spans: exported, dropped (a full queue), failed. Labs: ${Object.keys(SCENARIOS).join(', ')}.
  Trace links open in Jaeger when it answers at LAB_JAEGER_URL (default http://localhost:16686),
  in the lab console otherwise; the Grafana link uses LAB_GRAFANA_URL (default
  http://localhost:3030, annotated with LAB_GRAFANA_AUTH, default admin:admin); firing alerts come
  from LAB_PROMETHEUS_URL when set, or from the machine's Prometheus that --observe starts for the
  run (port N, default 9090), scraping every 2 s with the lab's alert rules. Labs that expect alerts
  (silent) wait for them after the load. Exit 0 when the run completed, whatever its results.`;

/** What `--client` can make the simulated users do on a timeout or error. */
const CLIENTS: Record<string, ClientBehaviour> = {
  'give-up': { onFailure: 'give-up' },
  retry: { onFailure: 'retry', retries: 2, followRetryAfter: false },
  'retry-after': { onFailure: 'retry', retries: 2, followRetryAfter: true },
};

export async function runCommand(words: string[], options: LabOptions): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args: words,
      options: {
        phase: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        json: { type: 'string' },
        flags: { type: 'string' },
        client: { type: 'string' },
        observe: { type: 'boolean' },
        'prometheus-port': { type: 'string' },
        ladder: { type: 'boolean' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  const name = positionals[0];
  const scenario = name ? SCENARIOS[name] : undefined;
  if (!scenario) {
    const not =
      name === 'chaos'
        ? ' (not "chaos": the chaos experiment is its own command, `lab chaos`)'
        : ` (not "${name}")`;
    throw new UsageError(`name a lab to run: ${Object.keys(SCENARIOS).join(', ')}${name ? not : ''}`);
  }
  const phase = values.phase ?? 'both';
  if (!['broken', 'fixed', 'both'].includes(phase))
    throw new UsageError(`--phase must be broken, fixed or both, got "${phase}"`);
  const client = values.client === undefined ? undefined : CLIENTS[values.client];
  if (values.client !== undefined && !client) {
    throw new UsageError(
      `--client must be one of ${Object.keys(CLIENTS).join(', ')}, got "${values.client}"`,
    );
  }
  const rate = values.rate === undefined ? undefined : Number(values.rate);
  if (rate !== undefined && !(rate > 0))
    throw new UsageError(`--rate must be a number of requests per second > 0, got "${values.rate}"`);

  if (values.ladder && (values.flags || values.phase))
    throw new UsageError('--ladder runs its own phases: leave out --phase and --flags');
  if (values.ladder && Object.keys(scenario.phases.fixed).length < 2)
    throw new UsageError(
      `${scenario.name} has ${Object.keys(scenario.phases.fixed).length === 0 ? 'no fixes' : 'one fix'}: a ladder needs two or more (labs with a ladder: ${Object.values(
        SCENARIOS,
      )
        .filter((each) => Object.keys(each.phases.fixed).length > 1)
        .map((each) => each.name)
        .join(', ')})`,
    );
  const shipped = shippedVariants();
  const plan: RunPlan = planRun(
    scenario,
    {
      phase: phase as 'broken' | 'fixed' | 'both',
      flags: values.flags ? parseAssignments([values.flags]) : undefined,
      ladder: values.ladder,
    },
    shipped,
  );
  const port = positiveInteger(values['prometheus-port'], '--prometheus-port', DEFAULT_PROMETHEUS_PORT);
  const prometheus = values.observe ? await startPrometheus(options, { port }) : undefined;
  try {
    return await execute(
      options,
      plan,
      values,
      client,
      rate,
      prometheus?.url ?? options.observability.prometheusUrl,
    );
  } finally {
    await prometheus?.stop();
  }
}

async function execute(
  options: LabOptions,
  plan: RunPlan,
  values: { seed?: string; duration?: string; out?: string; json?: string; observe?: boolean },
  client: ClientBehaviour | undefined,
  rate: number | undefined,
  prometheusUrl: string | undefined,
): Promise<number> {
  const { scenario } = plan;
  const { grafanaUrl, grafanaAuth, jaegerUrl, otlpEndpoint } = options.observability;
  let annotated = true;
  const tty = process.stdout.isTTY;
  let lastProgress = 0;
  const report = await runLab(options, plan, {
    seed: positiveInteger(values.seed, '--seed', 1),
    durationS: values.duration === undefined ? undefined : positiveInteger(values.duration, '--duration', 0),
    ratePerS: rate,
    client,
    traces: await chooseTraceViewer(jaegerUrl, consoleUrl(options)),
    grafanaUrl,
    prometheusUrl,
    log: (line) => console.log(line),
    progress: (line) => {
      if (tty) process.stdout.write(`\r\x1b[2K${line}${line ? '' : ''}`);
      else if (line && Date.now() - lastProgress >= 900) {
        lastProgress = Date.now();
        console.log(line);
      }
    },
    annotate: async (text) => {
      if (annotated) annotated = await annotate(grafanaUrl, grafanaAuth, text, [scenario.name]);
    },
    startConsole: async () => {
      const started = await startLabConsole(
        options,
        otlpEndpoint ? { forwardOtlpTo: otlpEndpoint } : {},
      ).catch(() => undefined);
      return started && { serviceEnv: consoleServiceEnv(started.url), stop: () => started.stop() };
    },
  });
  if (!annotated)
    report.notes.push(
      `Grafana at ${grafanaUrl} did not take annotations; flag changes are not marked on its graphs.`,
    );
  report.notes.push(
    prometheusUrl
      ? `Alerts read from the Prometheus at ${prometheusUrl}${values.observe ? " (started by this run, with the lab's rules)" : ' (LAB_PROMETHEUS_URL)'}.`
      : 'No Prometheus: alerts were not read (use --observe, or docker compose up).',
  );
  const spans = namedPhases(report).flatMap(([name, phase]) => spansText(name, phase) ?? []);
  report.notes.push(...spans);
  const dir = await writeReport(report, path.resolve(values.out ?? 'reports'), values.json);
  console.log('');
  const verdicts = report.ladder ?? namedPhases(report).map(([name, result]) => ({ name, ...result }));
  const width = Math.max(...verdicts.map((each) => each.name.length));
  for (const { name, hypothesis } of verdicts) {
    console.log(
      `${name.padEnd(width)} hypothesis ${hypothesis.passed ? 'HOLDS' : 'FAILS'}: ${hypothesis.probes.map((p) => `${p.passed ? '✓' : '✗'} ${p.name} (${formatValue(p.value, p.unit)})`).join('; ')}`,
    );
  }
  for (const line of spans) console.log(line.replace(/ \(the services'.*$/, ''));
  console.log(`\nReport: ${path.join(dir, 'report.html')} (also report.md, report.json)`);
  return 0;
}
