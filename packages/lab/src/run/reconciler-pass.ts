import { internalAuth } from '@incident-lab/http-client';
import { audit } from '../check/invariants';
import type { LabOptions } from '../stack/lab-options';
import type { ServiceProcess } from '../stack/services';
import { drainQueues } from './drain';
import { settle } from './settle';

/**
 * The reconciler's next run, brought forward: audit, ask the reconciler to look at every PENDING
 * order (`graceS=0`, the shop is quiet now), let the events its repairs cause be consumed, and count
 * what it did. With `reconciler-repair` off it only reports, and nothing changes.
 */
export async function reconcilerPass(
  lab: LabOptions,
  services: ServiceProcess[],
  say: (line: string) => void,
) {
  const before = await audit(lab);
  const run = await runReconciler(services, 0);
  const actions: Record<string, number> = {};
  for (const { action } of run.result?.actions ?? []) actions[action] = (actions[action] ?? 0) + 1;
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

/** Asks the reconciler to run now (`graceS`: treat orders this old as overdue) and returns the run. */
export async function runReconciler(services: ServiceProcess[], graceS?: number) {
  const reconciler = services.find((service) => service.name === 'reconciler');
  if (!reconciler) throw new Error('the lab has no reconciler service to run');
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
