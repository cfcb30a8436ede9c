import { internalAuth } from '@incident-lab/http-client';
import { audit } from '../check/invariants';
import type { LabOptions } from '../stack/lab-options';
import type { ServiceProcess } from '../stack/services';
import { drainQueues } from './drain';
import { scrape } from './scrape';
import { settle } from './settle';

/**
 * The reconciler's next run, brought forward: audit, ask the reconciler to look at every PENDING
 * order (`graceS=0`, the shop is quiet now), let the events its repairs cause be consumed, and count
 * what it did. With `reconciler-repair` off it only reports, and nothing changes.
 *
 * The reconciler also runs on its own schedule, and a scheduled run may be repairing while the lab
 * audits. So the repairs are counted from the reconciler's `shop_reconciler_actions_total`, read
 * before and after, and the audit is taken again until no repair happened while it was read: every
 * order the audit saw PENDING is then either repaired in the count or still pending after.
 */
export async function reconcilerPass(
  lab: LabOptions,
  services: ServiceProcess[],
  say: (line: string) => void,
) {
  const reconciler = reconcilerOf(services);
  let counted = await actionCounts(reconciler);
  let before = await audit(lab);
  for (
    let again = await actionCounts(reconciler);
    !sameCounts(counted, again);
    again = await actionCounts(reconciler)
  ) {
    counted = again;
    before = await audit(lab);
  }
  const run = await runReconciler(services, 0);
  const after = await actionCounts(reconciler);
  const actions: Record<string, number> = {};
  for (const [action, count] of Object.entries(after)) {
    const made = count - (counted[action] ?? 0);
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
  await settle(services, say);
  await drainQueues(lab);
  return { invariantsBefore: before.counts, actions };
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

const sameCounts = (a: Record<string, number>, b: Record<string, number>) =>
  Object.keys({ ...a, ...b }).every((key) => (a[key] ?? 0) === (b[key] ?? 0));

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
