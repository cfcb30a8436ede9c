import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type RunningPrometheus, startPrometheus } from '@incident-lab/lab';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { dashboards, metricNames, PROMETHEUS_SERIES } from './support/dashboards';
import { sources } from './support/sources';
import { runLabCli, startTestLab, type TestLab, waitFor } from './support/test-lab';

/**
 * Proof on real data: the test lab and a real Prometheus (Debian's) scraping it every second, short
 * runs of every lab so each code path has moved its metrics, then every dashboard panel's query and
 * every alert rule's expression asked of that Prometheus. A panel whose query names a metric that
 * does not exist shows "No data" and looks calm: this test is what makes that impossible.
 */
const root = path.resolve(__dirname, '../..');
let lab: TestLab;
let prometheus: RunningPrometheus;
let startedS: number;

beforeAll(async () => {
  lab = await startTestLab(4300);
  prometheus = await startPrometheus(lab.options, { port: 4381, intervalS: 1 });
  startedS = Date.now() / 1000;
  // Every lab's code paths: the cascading storm and failover, the partial lab's lost answers,
  // crashes and reconciliation, the silent lab's dead letters and unroutable events.
  await runLabCli(lab, ['cascading', '--duration', '4', '--seed', '5'], 300_000);
  await runLabCli(lab, ['partial', '--duration', '4', '--seed', '5'], 300_000);
  await runLabCli(lab, ['silent', '--duration', '5', '--seed', '5', '--phase', 'fixed'], 300_000);
  // The reconciler's own run refreshes its gauges; then Prometheus scrapes every service and
  // evaluates every rule group once more after it.
  await fetch(`${lab.url('reconciler')}/jobs/reconcile/run`, { method: 'POST', headers: lab.internal });
  await scrapedAndEvaluatedAfter(Date.now());
}, 900_000);

async function scrapedAndEvaluatedAfter(sinceMs: number) {
  const api = async <T>(route: string) =>
    ((await (await fetch(new URL(route, prometheus.url))).json()) as { data: T }).data;
  const after = (iso: string) => Date.parse(iso) > sinceMs;
  await waitFor('a Prometheus scrape and rule evaluation after the last run', async () => {
    const { activeTargets } = await api<{ activeTargets: Array<{ lastScrape: string }> }>('/api/v1/targets');
    const { groups } = await api<{ groups: Array<{ lastEvaluation: string }> }>('/api/v1/rules');
    const done =
      activeTargets.length > 0 &&
      activeTargets.every((target) => after(target.lastScrape)) &&
      groups.every((group) => after(group.lastEvaluation));
    return done || undefined;
  });
}

afterAll(async () => {
  await prometheus?.stop();
  await lab?.stop();
});

async function queryRange(expr: string): Promise<{ error?: string; series: number }> {
  const url = new URL('/api/v1/query_range', prometheus.url);
  url.searchParams.set('query', expr);
  url.searchParams.set('start', String(Math.floor(startedS)));
  url.searchParams.set('end', String(Math.ceil(Date.now() / 1000)));
  url.searchParams.set('step', '5');
  const body = (await (await fetch(url)).json()) as {
    status: string;
    error?: string;
    data?: { result: unknown[] };
  };
  return body.status === 'success'
    ? { series: body.data?.result.length ?? 0 }
    : { error: body.error, series: 0 };
}

/** The label sets an instant query returns, as Prometheus stores them. */
async function labelSets(expr: string): Promise<Array<Record<string, string>>> {
  const url = new URL('/api/v1/query', prometheus.url);
  url.searchParams.set('query', expr);
  const body = (await (await fetch(url)).json()) as {
    data?: { result: Array<{ metric: Record<string, string> }> };
  };
  return (body.data?.result ?? []).map((each) => each.metric);
}

interface Rule {
  alert: string;
  expr: string;
}
const rules = (
  parse(readFileSync(path.join(root, 'infra/prometheus/alerts.yml'), 'utf8')) as {
    groups: Array<{ rules: Rule[] }>;
  }
).groups.flatMap((group) => group.rules);

describe('every panel and every alert, on real data in a real Prometheus', () => {
  it('answers every dashboard panel query with at least one series', async () => {
    const problems: string[] = [];
    for (const { dashboard } of dashboards) {
      for (const panel of dashboard.panels) {
        for (const target of panel.targets ?? []) {
          const { error, series } = await queryRange(target.expr);
          // ALERTS holds only alerts that fire or are pending: an empty answer is a calm shop.
          const onlyAlerts = metricNames(target.expr).every((name) => PROMETHEUS_SERIES.has(name));
          if (error) problems.push(`${dashboard.title} / ${panel.title}: ${target.expr} → error: ${error}`);
          else if (series === 0 && !onlyAlerts)
            problems.push(`${dashboard.title} / ${panel.title}: ${target.expr} → no series`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('shows a learner the values they read: providers by name, flag variants by name, the job by name', async () => {
    // The provider panel splits by primary and backup, not by Prometheus' scrape instance.
    const providers = await labelSets('sum by (provider) (provider_charge_requests_total)');
    expect(
      providers.map((each) => each.provider).sort(),
      'provider label (not renamed to exported_instance)',
    ).toEqual(['backup', 'primary']);
    // "Flags in force" names the variant: the silent run left the lab on its fixed flags.
    const variants = await labelSets('max by (flag, variant) (lab_flag_variant)');
    expect(variants, 'lab_flag_variant names each variant').toContainEqual({
      flag: 'retry-policy',
      variant: 'immediate',
    });
    // The job is named by its own label, which Prometheus keeps (a label `job` would become exported_job).
    const jobs = await labelSets('max by (job, shop_job) (shop_job_last_success_timestamp_seconds)');
    expect(jobs).toEqual([{ job: 'incident-lab', shop_job: 'reconcile' }]);
  });

  it('evaluates every alert expression, each of whose metrics exists', async () => {
    const problems: string[] = [];
    for (const rule of rules) {
      const { error } = await queryRange(rule.expr);
      if (error) problems.push(`${rule.alert}: ${rule.expr} → error: ${error}`);
      for (const name of metricNames(rule.expr)) {
        const { series } = await queryRange(`count(${name})`);
        if (series === 0) problems.push(`${rule.alert}: ${name} → no such series`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('loaded the alert rules the lab ships', async () => {
    const body = (await (await fetch(new URL('/api/v1/rules', prometheus.url))).json()) as {
      data: { groups: Array<{ rules: Array<{ name: string; health: string }> }> };
    };
    const loaded = body.data.groups.flatMap((group) => group.rules);
    expect(loaded.map((rule) => rule.name).sort()).toEqual(rules.map((rule) => rule.alert).sort());
    expect(loaded.filter((rule) => rule.health === 'err')).toEqual([]);
  });

  it('passes promtool check metrics on every service /metrics page', async () => {
    const findings: string[] = [];
    for (const service of lab.lab.services) {
      const page = await (await fetch(`${service.url}/metrics`)).text();
      const check = spawnSync('promtool', ['check', 'metrics'], { input: page, encoding: 'utf8' });
      // OpenTelemetry names the pool's connections `db.client.connection.count` (a gauge); promtool's
      // lint reserves a `_count` suffix for histograms. The name is the convention's, so that one
      // lint is expected; every other finding fails the test.
      const output = `${check.stdout}${check.stderr}`
        .split('\n')
        .filter((line) => line.trim() && !SEMCONV_COUNT_LINT.test(line))
        .join('\n');
      if (output) findings.push(`${service.name}: ${output}`);
    }
    expect(findings).toEqual([]);
  });
});

const SEMCONV_COUNT_LINT =
  /^db_client_connection_count non-histogram and non-summary metrics should not have "_count" suffix$/;

/** OpenTelemetry's metric names (as Prometheus spells them) the shop exports, with their semconv units. */
const SEMCONV_UNITS: Record<string, string> = {
  http_server_request_duration: 's',
  http_client_request_duration: 's',
  http_server_active_requests: '{request}',
  db_client_connection_count: '{connection}',
  db_client_connection_max: '{connection}',
  db_client_connection_pending_requests: '{request}',
  db_client_connection_wait_time: 's',
  db_client_connection_timeouts_total: '{timeout}',
  db_client_operation_duration: 's',
};
/** The runtime instrumentation's and the SDK's own namespaces (semconv's `otel.sdk.*`), and the exporter's resource series. */
const INSTRUMENTATION = /^(nodejs_|v8js_|otel_sdk_|target_info$)/;

/** The first cells of the rows of the ARCHITECTURE.md table whose header line starts so. */
function firstColumn(header: string): string[] {
  const lines = readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8').split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines.slice(start + 2, end).map((row) => row.split('|')[1] ?? '');
}

describe('the metric names, against OpenTelemetry’s conventions and the architecture’s table', () => {
  it('exports semconv names with their units, its own names under the lab’s prefixes, each documented', async () => {
    // The first column of ARCHITECTURE.md's metrics table: `name{labels}`, several to a row.
    const documented = new Set(
      firstColumn('| metric ').flatMap((cell) =>
        [...cell.matchAll(/`([a-z_]+)[{`]/g)].map((match) => match[1] as string),
      ),
    );
    expect(documented.size, 'metrics documented in ARCHITECTURE.md').toBeGreaterThan(20);
    const exported = new Map<string, string | undefined>();
    for (const service of lab.lab.services) {
      const page = await (await fetch(`${service.url}/metrics`)).text();
      for (const [, name] of page.matchAll(/^# TYPE (\S+) /gm)) exported.set(name as string, undefined);
      for (const [, name, unit] of page.matchAll(/^# UNIT (\S+) (\S+)$/gm))
        exported.set(name as string, unit);
    }
    const problems: string[] = [];
    for (const [name, unit] of exported) {
      if (INSTRUMENTATION.test(name)) continue;
      if (name in SEMCONV_UNITS) {
        if (unit !== SEMCONV_UNITS[name])
          problems.push(`${name}: unit ${unit}, semconv says ${SEMCONV_UNITS[name]}`);
      } else if (!/^(shop|provider|lab)_/.test(name)) {
        problems.push(
          `${name}: neither a semconv name nor under the lab's prefixes (shop_, provider_, lab_)`,
        );
      }
      if (!documented.has(name) && !INSTRUMENTATION.test(name) && !name.startsWith('http_'))
        problems.push(`${name}: exported, not in ARCHITECTURE.md's metrics table`);
    }
    for (const name of documented) {
      if (!exported.has(name)) problems.push(`${name}: in ARCHITECTURE.md's table, exported by no service`);
    }
    expect(problems).toEqual([]);
  });
});

/**
 * Attribute keys the instrumentations set that the semantic-conventions registry does not list:
 * theirs, not the lab's, named here so that a key the lab invents still fails the check.
 */
const AMQPLIB_OBSOLETE =
  'instrumentation-amqplib 0.70 still sets this pre-1.0 messaging name (its semconv-obsolete.js) and has no opt-in to the new ones';
const INSTRUMENTATION_ATTRIBUTES: Record<string, string> = {
  'messaging.url': AMQPLIB_OBSOLETE,
  'messaging.protocol': AMQPLIB_OBSOLETE,
  'messaging.protocol_version': AMQPLIB_OBSOLETE,
  'messaging.destination': AMQPLIB_OBSOLETE,
  'messaging.destination_kind': AMQPLIB_OBSOLETE,
  'messaging.rabbitmq.routing_key': AMQPLIB_OBSOLETE,
  'messaging.message_id': AMQPLIB_OBSOLETE,
};

describe('the span names, against OpenTelemetry’s conventions and the architecture’s table', () => {
  it('exports semconv attributes where semconv names one, the lab’s own under shop., each documented', () => {
    // The first column of ARCHITECTURE.md's span table: every `name` in it.
    const documented = new Set(
      firstColumn('| span, event or attribute ').flatMap((cell) =>
        [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1] as string),
      ),
    );
    expect(documented.size, 'names documented in ARCHITECTURE.md').toBeGreaterThan(20);
    const registry = new Set(
      Object.entries(semconv)
        .filter(([constant, value]) => constant.startsWith('ATTR_') && typeof value === 'string')
        .map(([, value]) => value as string),
    );

    const spans = lab.receiver.spans;
    expect(spans.length, 'spans of the three labs’ runs').toBeGreaterThan(1000);
    const problems = new Set<string>();
    const checkAttribute = (key: string, where: string) => {
      if (key.startsWith('shop.')) {
        if (!documented.has(key)) problems.add(`${key} (on ${where}): not in ARCHITECTURE.md's span table`);
      } else if (!registry.has(key) && !(key in INSTRUMENTATION_ATTRIBUTES)) {
        problems.add(`${key} (on ${where}): not a semconv attribute and not under the lab's prefix shop.`);
      }
    };
    for (const span of spans) {
      // Every internal span is the lab's own (Express's layer spans are off: telemetry/src/sdk.ts).
      if (span.kind === 'internal' && !documented.has(span.name))
        problems.add(`span ${span.name} (${span.service}): not in ARCHITECTURE.md's span table`);
      for (const key of Object.keys(span.attributes)) checkAttribute(key, `${span.service} ${span.name}`);
      for (const event of span.events) {
        if (event.name !== 'exception' && !documented.has(event.name))
          problems.add(`event ${event.name} (${span.service}): not in ARCHITECTURE.md's span table`);
        for (const key of Object.keys(event.attributes)) checkAttribute(key, `event ${event.name}`);
      }
    }
    // A documented name the code no longer sets is a stale row.
    const code = sources();
    for (const name of documented) {
      const literal = name.replace(/^circuit breaker (open|half-open|closed)$/, 'circuit breaker ');
      if (!code.includes(literal) && !registry.has(name))
        problems.add(`${name}: in ARCHITECTURE.md's span table, set nowhere in the code`);
    }
    expect([...problems]).toEqual([]);
  });

  it('marks a resent provider call on its HTTP CLIENT span, as semconv’s http.request.resend_count', () => {
    const spans = lab.receiver.spans;
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const resent = spans.filter(
      (span) =>
        span.service === 'payments' &&
        span.kind === 'client' &&
        'http.request.resend_count' in span.attributes,
    );
    // The cascading lab's provider calls are retried, broken (at once) and fixed (with backoff).
    expect(resent.length).toBeGreaterThan(0);
    for (const span of resent) {
      const attempt = byId.get(span.parentSpanId ?? '');
      expect(attempt?.name).toBe('provider.charge attempt');
      expect(attempt?.attributes['shop.retry.attempt']).toBe(
        Number(span.attributes['http.request.resend_count']) + 1,
      );
    }
  });

  it('says on each trace which fixes were on, as feature_flag.evaluation events', () => {
    const checkouts = lab.receiver.spans.filter(
      (span) =>
        span.service === 'storefront' && span.kind === 'server' && span.name.startsWith('POST /api/orders'),
    );
    expect(checkouts.length).toBeGreaterThan(10);
    const keys = (span: (typeof checkouts)[number]) =>
      span.events
        .filter((event) => event.attributes['feature_flag.key'] === 'idempotency-keys')
        .map((event) => event.attributes['feature_flag.result.variant']);
    // The partial lab ran broken (keys off, as shipped: no event) and fixed (keys on): its
    // checkouts say so.
    const withKeys = checkouts.filter((span) => keys(span).length > 0);
    expect(new Set(withKeys.flatMap(keys))).toEqual(new Set(['on']));
    expect(withKeys.length).toBeGreaterThan(0);
    expect(withKeys.length).toBeLessThan(checkouts.length);
  });
});
