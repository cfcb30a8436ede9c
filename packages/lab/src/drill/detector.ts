import type { DrillCause, ShopProcess } from '@incident-lab/scenarios';
import type { Sample } from '../clients/prometheus-text';
import { percentile } from '../load/stats';
import type { DrillRequest } from './drill-traffic';

/**
 * What an on-call engineer can read at a moment, without the flags: the services' `/metrics`, and what
 * people experienced (the drill's traffic, as support tickets and dashboards would tell it).
 */
export interface Observation {
  atMs: number;
  metrics: Map<string, Sample[] | undefined>;
  /** The requests of the last window. */
  requests: DrillRequest[];
}

/** Something a learner would notice, and the service it points at. */
export interface Finding {
  service: ShopProcess;
  signal: string;
  /** A finding at the cause (a provider's answers, a consumer's output), not a symptom upstream. */
  atCause: boolean;
  /** What a learner would make of it, from the drill's list of causes. */
  cause?: DrillCause;
}

/** A provider's outcome, as a learner reads it: refused, failed, or carried out without an answer. */
const OUTCOME_CAUSE: Record<string, DrillCause> = {
  outage: 'dependency-down',
  error: 'dependency-errors',
  'response-dropped': 'responses-lost',
};

const sum = (samples: Sample[] | undefined, name: string, labels: Record<string, string> = {}) =>
  (samples ?? [])
    .filter(
      (sample) =>
        sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    )
    .reduce((total, sample) => total + sample.value, 0);

/** How much a counter went up between two observations. */
function increase(
  before: Observation,
  now: Observation,
  service: string,
  name: string,
  labels?: Record<string, string>,
) {
  return sum(now.metrics.get(service), name, labels) - sum(before.metrics.get(service), name, labels);
}

/** Every label value a counter carries in an observation (`outcome` of the provider's charges, …). */
function values(observation: Observation, service: string, name: string, label: string): string[] {
  return [
    ...new Set(
      (observation.metrics.get(service) ?? [])
        .filter((sample) => sample.name === name && sample.labels[label] !== undefined)
        .map((sample) => sample.labels[label] as string),
    ),
  ];
}

/**
 * Plays the learner: compares the window ending at `now` with the one ending at `before` (and with
 * a healthy baseline of people's experience), and lists what is wrong and where it points. The rules
 * are the runbooks' "where to look", in order from the cause to the symptom; no rule reads a flag.
 */
export function detect(baseline: Observation, before: Observation, now: Observation): Finding[] {
  const findings: Finding[] = [];
  // The providers: refusals, errors and lost answers among their charges; slow answers.
  for (const provider of ['provider-primary', 'provider-backup'] as const) {
    const all = increase(before, now, provider, 'provider_charge_requests_total');
    for (const outcome of values(now, provider, 'provider_charge_requests_total', 'outcome')) {
      if (outcome === 'charged' || outcome === 'replayed') continue;
      const count = increase(before, now, provider, 'provider_charge_requests_total', { outcome });
      if (all > 0 && count / all > 0.1)
        findings.push({
          service: provider,
          atCause: true,
          cause: OUTCOME_CAUSE[outcome] ?? 'dependency-errors',
          signal: `${provider} answered ${Math.round((100 * count) / all)} % of charges ${outcome}`,
        });
    }
    const seconds = increase(before, now, provider, 'http_server_request_duration_sum');
    const answered = increase(before, now, provider, 'http_server_request_duration_count');
    if (answered > 0 && seconds / answered > 1)
      findings.push({
        service: provider,
        atCause: true,
        cause: 'dependency-slow',
        signal: `${provider} took ${(seconds / answered).toFixed(1)} s per request`,
      });
  }
  // Payments' events: a type published that no consumer received (before invoicing: events that
  // reach nobody leave invoicing idle, and that is their symptom, not its fault).
  for (const type of values(now, 'payments', 'shop_events_published_total', 'type')) {
    const published = increase(before, now, 'payments', 'shop_events_published_total', { type });
    const consumed = ['storefront', 'invoicing', 'payments'].reduce(
      (total, service) => total + increase(before, now, service, 'shop_events_consumed_total', { type }),
      0,
    );
    if (published >= 3 && consumed === 0)
      findings.push({
        service: 'payments',
        atCause: true,
        cause: 'bad-release',
        signal: `${published} ${type} events published, none consumed`,
      });
  }
  // Invoicing: payments completed that no invoice followed.
  const completed = increase(before, now, 'payments', 'shop_payments_completed_total');
  const invoiced = increase(before, now, 'invoicing', 'shop_invoices_created_total');
  if (completed >= 5 && invoiced < 0.9 * completed)
    findings.push({
      service: 'invoicing',
      atCause: true,
      cause: 'bad-release',
      signal: `${invoiced} invoices for ${completed} completed payments`,
    });
  // Storefront's hand-off: orders created that never reached payments. Payments' requests under way
  // count as reached, so a slow provider is no gap; a checkout or two between the two scrapes is noise.
  const orders = increase(before, now, 'storefront', 'shop_orders_created_total');
  const reached =
    increase(before, now, 'payments', 'http_server_request_duration_count', {
      http_request_method: 'POST',
      http_route: '/payments',
    }) + increase(before, now, 'payments', 'http_server_active_requests', { http_request_method: 'POST' });
  if (orders - reached >= 3 && orders - reached > 0.05 * orders)
    findings.push({
      service: 'storefront',
      atCause: true,
      cause: 'bad-release',
      signal: `${orders - reached} of ${orders} orders never reached payments`,
    });
  // Storefront's catalogue cache: Redis calls that failed, on /metrics whatever the code made of them
  // (the broken shop swallows them). A permission or a setting changed under it, most likely.
  for (const errorType of values(now, 'storefront', 'db_client_operation_duration_count', 'error_type')) {
    const labels = { db_system_name: 'redis', error_type: errorType };
    const failed = increase(before, now, 'storefront', 'db_client_operation_duration_count', labels);
    if (failed >= 1)
      findings.push({
        service: 'storefront',
        atCause: true,
        cause: 'config-changed',
        signal: `${failed} of storefront's Redis calls failed (${errorType})`,
      });
  }
  // What it cost: paid orders storefront's price audit found charged an old price.
  const mispriced = increase(before, now, 'storefront', 'shop_orders_mispriced_total');
  if (mispriced >= 1)
    findings.push({
      service: 'storefront',
      atCause: false,
      signal: `${mispriced} paid orders charged a price the catalogue no longer had`,
    });
  // The reconciler's job.
  const failedRuns = increase(before, now, 'reconciler', 'shop_job_runs_total', { outcome: 'failed' });
  if (failedRuns > 0)
    findings.push({
      service: 'reconciler',
      atCause: true,
      cause: 'bad-release',
      signal: `${failedRuns} reconcile runs failed`,
    });
  // Storefront's shared database connections: requests queueing for one.
  const waits = increase(before, now, 'storefront', 'db_client_connection_wait_time_sum', {
    db_client_connection_pool_name: 'shared',
  });
  const acquired = increase(before, now, 'storefront', 'db_client_connection_wait_time_count', {
    db_client_connection_pool_name: 'shared',
  });
  const pending = sum(now.metrics.get('storefront'), 'db_client_connection_pending_requests', {
    db_client_connection_pool_name: 'shared',
  });
  if ((acquired > 0 && waits / acquired > 0.1) || pending > 2)
    findings.push({
      service: 'storefront',
      atCause: true,
      cause: 'resource-exhausted',
      signal: `requests wait for a shared database connection (${pending} waiting now, ${acquired > 0 ? (waits / acquired).toFixed(2) : 0} s on average)`,
    });
  // What people feel: failures and slowness against the healthy baseline.
  for (const endpoint of ['checkout', 'login', 'products'] as const) {
    const mine = now.requests.filter((request) => request.endpoint === endpoint);
    const healthy = baseline.requests.filter((request) => request.endpoint === endpoint);
    if (mine.length < 3) continue;
    const failed = mine.filter((request) => request.outcome !== 'ok').length / mine.length;
    if (failed > 0.05)
      findings.push({
        service: 'storefront',
        atCause: false,
        signal: `${Math.round(failed * 100)} % of ${endpoint} requests failed`,
      });
    const p95 = percentile(
      mine.map((request) => request.latencyMs).sort((a, b) => a - b),
      95,
    );
    const usual = percentile(
      healthy.map((request) => request.latencyMs).sort((a, b) => a - b),
      95,
    );
    if (p95 > Math.max(500, 3 * usual))
      findings.push({
        service: 'storefront',
        atCause: false,
        signal: `${endpoint} p95 ${Math.round(p95)} ms (usually ${Math.round(usual)} ms)`,
      });
  }
  return findings;
}

/** The service a learner would name: the first finding at a cause, else the first symptom's. */
export function suspect(findings: Finding[]): Finding | undefined {
  return findings.find((finding) => finding.atCause) ?? findings[0];
}
