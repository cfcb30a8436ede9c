import { internalAuth } from '@incident-lab/http-client';
import { audit } from '../audit/invariants';
import { scrape } from '../clients/scrape';
import type { LabOptions } from '../settings/lab-options';
import type { ServiceProcess } from '../settings/services';
import { drainQueues } from './drain-queues';
import { waitForIdle } from './wait-for-idle';

/**
 * The reconciler's next run, brought forward: audit, ask the reconciler to look at every PENDING
 * order (`graceS=0`, the shop is quiet now), let the events its repairs cause be consumed, and count
 * what it did. With `reconciler-repair` off it only reports, and nothing changes.
 *
 * The audit is a snapshot of a shop that is not quite still: a scheduled reconciler run may be
 * repairing, and storefront's relay (with `idempotency-keys`) may still settle a PENDING order when
 * payments at last answers it. So both are counted from the services' own counters
 * (`shop_reconciler_actions_total`, storefront's `shop_orders_settled_total` by anyone but the
 * reconciler), and the audit is taken again until neither moved while it was read: every order the
 * audit saw PENDING is then repaired in the count, settled by the shop itself, or still pending after.
 */
export async function reconcilerPass(
  lab: LabOptions,
  services: ServiceProcess[],
  say: (line: string) => void,
) {
  const reconciler = reconcilerOf(services);
  const storefront = services.find((service) => service.name === 'storefront');
  const counters = async () => ({
    actions: await actionCounts(reconciler),
    settledByShop: storefront ? await settledByShop(storefront) : 0,
  });
  let counted = await counters();
  let before = await audit(lab);
  for (let again = await counters(); !sameCounters(counted, again); again = await counters()) {
    counted = again;
    before = await audit(lab);
  }
  const run = await runReconciler(services, 0);
  const after = await actionCounts(reconciler);
  const actions: Record<string, number> = {};
  for (const [action, count] of Object.entries(after)) {
    const made = count - (counted.actions[action] ?? 0);
    if (made > 0) actions[action] = made;
  }
  say(
    run.result?.repaired
      ? `reconciler: ${
          Object.entries(actions)
            .map(([action, count]) => `${count} ${action}`)
            .join(', ') || 'nothing to repair'
        }`
      : 'reconciler: report only (reconciler-repair is off)',
  );
  await waitForIdle(services, say);
  await drainQueues(lab);
  const settled = (storefront ? await settledByShop(storefront) : 0) - counted.settledByShop;
  return { invariantsBefore: before.counts, actions, ...(settled > 0 ? { settledByShop: settled } : {}) };
}

function reconcilerOf(services: ServiceProcess[]): ServiceProcess {
  const reconciler = services.find((service) => service.name === 'reconciler');
  if (!reconciler) throw new Error('the lab has no reconciler service to run');
  return reconciler;
}

/** The reconciler's repairs so far, by action, from its /metrics. */
async function actionCounts(reconciler: ServiceProcess): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const sample of await scrape(reconciler.url)) {
    if (sample.name !== 'shop_reconciler_actions_total') continue;
    const action = sample.labels.action ?? '';
    counts[action] = (counts[action] ?? 0) + sample.value;
  }
  return counts;
}

/** Orders storefront settled by checkout, event or relay (not the reconciler), from its /metrics. */
async function settledByShop(storefront: ServiceProcess): Promise<number> {
  return (await scrape(storefront.url))
    .filter((sample) => sample.name === 'shop_orders_settled_total' && sample.labels.by !== 'reconciler')
    .reduce((sum, sample) => sum + sample.value, 0);
}

type Counters = { actions: Record<string, number>; settledByShop: number };
const sameCounters = (a: Counters, b: Counters) =>
  a.settledByShop === b.settledByShop &&
  Object.keys({ ...a.actions, ...b.actions }).every((key) => (a.actions[key] ?? 0) === (b.actions[key] ?? 0));

/** Asks the reconciler to run now (`graceS`: treat orders this old as overdue) and returns the run. */
export async function runReconciler(services: ServiceProcess[], graceS?: number) {
  const reconciler = reconcilerOf(services);
  const query = graceS === undefined ? '' : `?graceS=${graceS}`;
  const response = await fetch(`${reconciler.url}/jobs/reconcile/run${query}`, {
    method: 'POST',
    headers: internalAuth(reconciler.env.INTERNAL_TOKEN as string),
    signal: AbortSignal.timeout(120_000),
  });
  const run = (await response.json()) as {
    outcome: string;
    error?: string;
    result?: { actions: Array<{ action: string }>; repaired: boolean };
  };
  if (run.outcome !== 'ok') throw new Error(`the reconcile run failed: ${run.error}`);
  return run;
}
