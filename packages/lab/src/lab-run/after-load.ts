import { setFlags } from '@incident-lab/flags';
import { replayParked } from '@incident-lab/messaging';
import type { Scenario } from '@incident-lab/scenarios';
import { audit } from '../audit/invariants';
import { alertStates, awaitAlerts, firingNames } from '../clients/prometheus-alerts';
import { waitForFlags } from '../clients/wait-for-flags';
import type { PhaseName, PhaseReport } from '../report/report';
import type { LabOptions } from '../settings/lab-options';
import type { ServiceProcess } from '../settings/services';
import { drainQueues } from '../settling/drain-queues';
import { reconcilerPass, runReconciler } from '../settling/reconciler-pass';
import { repairStalePrices } from '../settling/storefront-jobs';
import { waitForIdle } from '../settling/wait-for-idle';
import { backfillInvoices } from '../shop-data/backfill-invoices';
import type { RunSettings } from './run-settings';

const NO_PROMETHEUS = 'no Prometheus configured or reachable (LAB_PROMETHEUS_URL, or lab run --observe)';

/**
 * What happens between the load and the final audit: the alerts the phase should fire (waited for
 * when Prometheus is configured), and the scenario's repair, audited before and after.
 */
export async function afterLoad(
  lab: LabOptions,
  scenario: Scenario,
  settings: RunSettings,
  phase: { name: PhaseName; flags: Record<string, string>; baseline: Record<string, string> },
  services: ServiceProcess[],
): Promise<{ repair?: PhaseReport['repair']; alerts: PhaseReport['alerts'] }> {
  const say = settings.log;
  if (scenario.afterLoad === 'reconcile') {
    const repair = await reconcilerPass(lab, services, say);
    return { repair, alerts: await alertsNow(settings) };
  }
  const expect = scenario.expectAlerts;
  if (!expect || !settings.prometheusUrl) return { alerts: await alertsNow(settings) };

  // The reconciler counts payments without an invoice from the databases: let it count them now.
  await runReconciler(services).catch(() => undefined);
  const wanted = phase.name === 'fixed' ? expect.fixed : phase.name === 'broken' ? expect.broken : [];
  say(
    `waiting up to ${expect.waitS} s for the alerts this phase should fire: ${wanted.join(', ') || 'none'}`,
  );
  const states = await awaitAlerts(
    settings.prometheusUrl,
    expect.waitS,
    (now) => wanted.every((name) => now.get(name) === 'firing'),
    settings.progress,
    'waiting for',
  );
  if (!states) return { alerts: { firing: [], note: NO_PROMETHEUS } };
  const firing = firingNames(states);
  if (scenario.afterLoad !== 'backfill-invoices' || phase.name !== 'fixed') return { alerts: { firing } };

  // The fix (the faults go off: new data is right from now on), then the repair of the history.
  const before = await audit(lab);
  const faults = new Set([
    ...Object.keys(scenario.faults),
    ...scenario.load.acts.flatMap((act) => Object.keys(act.faults)),
  ]);
  const changed = await setFlags(
    lab.flagFile,
    Object.fromEntries([...faults].map((key) => [key, phase.baseline[key] as string])),
  );
  await waitForFlags(services, changed);
  // Two repairs, in this order: replay what the broker kept for a consumer that can now take it,
  // then backfill what no message will bring (events under a name nobody reads, or lost outright).
  const replay = await replayParked(lab.amqpUrl, lab.namespace, { dryRun: false, ratePerS: 50 });
  say(
    `replay: ${replay.counts.replayed} parked message(s) sent back, ` +
      `${replay.entries.length - replay.counts.replayed} left for the backfill`,
  );
  await waitForIdle(services, say);
  await drainQueues(lab);
  const backfill = await backfillInvoices(lab, { dryRun: false });
  say(
    `backfill: ${backfill.invoiced.length} invoice(s) written, ${backfill.failed.length} failed, ` +
      `${backfill.parked.removed} parked message(s) cleared`,
  );
  // Orders charged a price only the cache still had: the lower price is honoured, on the record.
  const prices = await repairStalePrices(services, false);
  say(`stale prices: ${prices.honoured.length} order(s) honoured, ${prices.refundOwed.length} owed a refund`);
  await waitForIdle(services, say);
  await drainQueues(lab);
  await runReconciler(services).catch(() => undefined);
  const after = await awaitAlerts(
    settings.prometheusUrl,
    expect.waitS,
    (now) => expect.resolvedByRepair.every((name) => now.get(name) === undefined),
    settings.progress,
    'waiting for the repair to resolve',
  );
  return {
    repair: {
      invariantsBefore: before.counts,
      actions: {
        'messages replayed': replay.counts.replayed,
        'invoices backfilled': backfill.invoiced.length,
        'parked messages cleared': backfill.parked.removed,
        'stale prices honoured': prices.honoured.length,
      },
    },
    alerts: {
      firing,
      resolvedByRepair: expect.resolvedByRepair.filter((name) => after?.get(name) === undefined),
    },
  };
}

async function alertsNow(settings: RunSettings): Promise<PhaseReport['alerts']> {
  if (!settings.prometheusUrl) return { firing: [], note: NO_PROMETHEUS };
  const states = await alertStates(settings.prometheusUrl);
  return states ? { firing: firingNames(states) } : { firing: [], note: NO_PROMETHEUS };
}
