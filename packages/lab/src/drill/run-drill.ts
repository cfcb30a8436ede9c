import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  listFlags,
  readFlagFile,
  removeOverlay,
  setFlags,
  shippedVariants,
  writeOverlay,
} from '@incident-lab/flags';
import { DRILL_LOAD } from '@incident-lab/scenarios';
import { catalogueCacheKey } from '@incident-lab/storefront/cache-key';
import { countHistory } from '@incident-lab/storefront/seed';
import { audit } from '../audit/invariants';
import { alertStates } from '../clients/prometheus-alerts';
import { deleteKeys } from '../clients/redis';
import { scrapeEach } from '../clients/scrape';
import { waitForFlags } from '../clients/wait-for-flags';
import { ShopClient } from '../load/shop-client';
import type { LinkOptions } from '../report/links';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { seed, withPool } from '../shop-data/data';
import { isReady } from '../supervisor/readiness';
import { buildReport } from './build-drill-report';
import { type CounterScrape, type FaultProgress, judgeWindow, WINDOW } from './drill-judge';
import { type DrillChoice, DrillChoiceError, type DrillPlan, planDrill } from './drill-plan';
import type { DrillReport, TimelineEntry } from './drill-report';
import {
  alive,
  appendAction,
  clearDrill,
  type DrillAction,
  type DrillFiles,
  type DrillSecret,
  drillFiles,
  hiddenOverlay,
  readActions,
  readSecret,
  writeSecret,
  writeStatus,
} from './drill-state';
import { DrillTraffic } from './drill-traffic';

export interface DrillSettings extends DrillChoice {
  /** The drill ends by itself after this long. */
  maxMinutes: number;
  prometheusUrl?: string;
  links: LinkOptions;
  log: (line: string) => void;
  /** The live status line; '' ends it. */
  progress: (line: string) => void;
}

/** How often the drill judges its last window, once the fault has struck. */
const JUDGE_EVERY_MS = 10_000;

/**
 * Ends what a drill left behind when its process is gone (killed, the machine restarted): the
 * learner's flags as they were before it, no hidden flag in force. True when there was one.
 */
export async function cleanUpStaleDrill(options: LabOptions): Promise<boolean> {
  const files = drillFiles(options);
  const secret = await readSecret(files, options.secrets.internalToken);
  if (!secret || alive(secret.pid)) return false;
  await restoreFlags(options, files);
  await clearDrill(files);
  return true;
}

async function restoreFlags(options: LabOptions, files: DrillFiles): Promise<void> {
  await removeOverlay({ file: files.overlay, secret: options.secrets.internalToken });
  const before = await readFile(files.flagsBefore, 'utf8').catch(() => undefined);
  if (before !== undefined) await writeFile(options.flagFile, before);
  // A refused cache write leaves old prices in the broken shop's catalogue cache for ever: the lab is
  // handed back without them (the next read refills the cache from MySQL).
  await deleteKeys(options.redisUrl, [catalogueCacheKey(options.namespace)]).catch(() => undefined);
}

/** A drill refused before it changed anything: the lab is not up, another drill runs. */
export class DrillStartError extends Error {
  override name = 'DrillStartError';
}

/**
 * A game day on the running lab: steady seeded traffic, then (after a seeded delay) the plan's faults,
 * hidden; the learner's actions recorded; each fault judged every 10 s by its hypothesis; the end
 * (every fault mitigated and named, `lab drill stop`, Ctrl-C or time) puts the flags back and writes
 * the report. Returns the report.
 */
export async function runDrill(options: LabOptions, settings: DrillSettings): Promise<DrillReport> {
  const files = drillFiles(options);
  const key = options.secrets.internalToken;
  const running = await readSecret(files, key);
  if (running && alive(running.pid))
    throw new DrillStartError(
      `a drill is already running in this lab (pid ${running.pid}): see \`lab drill status\`, or end it with \`lab drill stop\``,
    );
  if (running && (await cleanUpStaleDrill(options)))
    settings.log('A drill whose process is gone left flags behind: they are back as they were before it.');
  const services = labServices(options);
  const ready = await Promise.all(services.map((service) => isReady(service.url)));
  if (!ready.every(Boolean))
    throw new DrillStartError(
      `the lab is not up (${services
        .filter((_, i) => !ready[i])
        .map((s) => s.name)
        .join(', ')} not ready): start it with \`npx lab up\` first`,
    );
  let plan: DrillPlan;
  try {
    plan = planDrill(settings, shippedVariants());
  } catch (error) {
    if (error instanceof DrillChoiceError) throw new DrillStartError(error.message);
    throw error;
  }
  const history = Math.max(...plan.faults.map(({ fault }) => fault.seedOrders ?? 0));
  if (history > 0 && (await withPool(options, 'storefront', countHistory)) !== history) {
    settings.log(`Preparing the shop's history (${history} orders)…`);
    await seed(options, history);
  }

  // From here on the lab's flags are the drill's: whatever happens, they come back.
  await mkdir(files.dir, { recursive: true });
  await copyFile(options.flagFile, files.flagsBefore);
  const startedAt = new Date();
  const faultAt = new Date(startedAt.getTime() + plan.delayS * 1000);
  const secret: DrillSecret = {
    pid: process.pid,
    seed: plan.seed,
    level: plan.level,
    startedAt: startedAt.toISOString(),
    faultAt: faultAt.toISOString(),
    faults: plan.faults.map(({ hidden }) => hidden),
    baseline: plan.baseline,
    hintsGiven: {},
    diagnosed: [],
    rolledBack: [],
    revealed: false,
  };
  let ending: string | undefined;
  const onSignal = () => {
    ending ??= 'stopped';
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The people using the shop: the labs' open-model load, users who retry once.
  const client = new ShopClient(services[0]?.url as string, 5_000);
  const traffic = new DrillTraffic(client, DRILL_LOAD, plan.seed);
  const timeline: TimelineEntry[] = [];
  const note = (kind: TimelineEntry['kind'], text: string, at = new Date()) =>
    timeline.push({
      at: at.toISOString(),
      sinceFaultS: Math.round((at.getTime() - faultAt.getTime()) / 1000),
      kind,
      text,
    });
  try {
    await writeSecret(files, secret, key);
    await writeFile(files.actions, '');
    // What anyone may see, from the first moment: the console's Drill page shows it running.
    const publish = (now: number, actions: DrillAction[]) =>
      writeStatus(files, {
        running: true,
        pid: process.pid,
        seed: plan.seed,
        level: plan.level,
        startedAt: startedAt.toISOString(),
        elapsedS: Math.round((now - startedAt.getTime()) / 1000),
        updatedAt: new Date(now).toISOString(),
        requests: traffic.requests.length,
        failed: traffic.requests.filter((request) => request.outcome !== 'ok').length,
        actions,
      });
    await publish(Date.now(), []);
    const baseline = await setFlags(options.flagFile, plan.baseline);
    await waitForFlags(services, baseline);
    const auditBefore = await audit(options);
    await client.loginAll();
    traffic.start();
    note('drill', `drill started: seed ${plan.seed}, level ${plan.level}; steady traffic`, startedAt);
    settings.log(
      `Drill started (seed ${plan.seed}, level ${plan.level}): people are using the shop. Something will go wrong; ` +
        'find it from what you can see (console, metrics, logs, alerts, lab check).\n' +
        'Report as you go: lab drill detect "…" · lab drill diagnose --service S --cause C · lab drill hint · lab drill rollback S · lab drill stop',
    );
    const progress = new Map<string, FaultProgress>(
      plan.faults.map(({ fault }) => [fault.id, { id: fault.id, state: 'waiting', holding: 0 }]),
    );
    const scrapes: CounterScrape[] = [];
    const alerts = new Map<string, { firedAt?: number; resolvedAt?: number }>();
    let struck = false;
    let lastJudged = 0;
    let lastAlerts = 0;
    let seenActions = 0;
    let flagsSeen = variantsOf(await readFlagFile(options.flagFile));
    let allDoneAt: number | undefined;
    const deadline = startedAt.getTime() + settings.maxMinutes * 60_000;
    while (!ending) {
      const now = Date.now();
      if (!struck && now >= faultAt.getTime()) {
        struck = true;
        await writeOverlay(
          { file: files.overlay, secret: key },
          await hiddenOverlay(options.flagFile, hiddenFlags(secret)),
        );
        for (const { fault } of plan.faults) if (fault.extraLoad) traffic.add(fault.extraLoad);
        note('fault', `the fault struck (hidden): ${plan.faults.map(({ fault }) => fault.id).join(', ')}`);
      }
      // What the learner did since the last look: their actions, and flags they changed.
      const actions = await readActions(files);
      for (const action of actions.slice(seenActions))
        note('learner', describeAction(action), new Date(action.at));
      seenActions = actions.length;
      const flagsNow = variantsOf(await readFlagFile(options.flagFile).catch(() => undefined));
      const changed = Object.entries(flagsNow).filter(([flag, variant]) => flagsSeen[flag] !== variant);
      if (changed.length > 0) {
        const text = changed.map(([flag, variant]) => `${flag}=${variant}`).join(', ');
        await appendAction(files, {
          at: new Date().toISOString(),
          kind: 'flags',
          text,
          answer: 'The services apply it within a few seconds.',
        });
        flagsSeen = flagsNow;
      }
      if (settings.prometheusUrl && now - lastAlerts >= 5_000) {
        lastAlerts = now;
        await followAlerts(settings.prometheusUrl, alerts, note);
      }
      if (struck && now - lastJudged >= JUDGE_EVERY_MS) {
        lastJudged = now;
        scrapes.push({ atMs: now, samples: await scrapeEach(services) });
        while (scrapes.length > 20) scrapes.shift();
        const window = { fromMs: now - WINDOW.fromS * 1000, toMs: now - WINDOW.toS * 1000 };
        const inWindow = traffic.between(window.fromMs, window.toMs);
        const windowAudit = await audit(options, window).catch(() => undefined);
        for (const { fault } of plan.faults) {
          const before = progress.get(fault.id) as FaultProgress;
          // The first windows after the fault still hold requests from before it.
          if (window.fromMs < faultAt.getTime() || !windowAudit) continue;
          const after = judgeWindow({
            fault,
            progress: before,
            nowMs: now,
            windowFromMs: window.fromMs,
            requests: inWindow,
            audit: windowAudit,
            scrapes,
          });
          if (after.state !== before.state) {
            const which =
              plan.faults.length > 1
                ? ` (fault ${plan.faults.findIndex((each) => each.fault.id === fault.id) + 1})`
                : '';
            // Dated by the window that showed it: its first request is where the change is seen.
            const at = new Date(after.state === 'hurting' ? window.fromMs : (after.mitigatedAtMs as number));
            const verdict = after.state === 'hurting' ? 'the hypothesis fails' : 'the hypothesis holds again';
            note('hypothesis', `${verdict}${which}, for the requests sent from here on`, at);
          }
          progress.set(fault.id, after);
        }
        const current = (await readSecret(files, key)) ?? secret;
        const done = plan.faults.every(
          ({ fault }) =>
            progress.get(fault.id)?.state === 'mitigated' &&
            (current.diagnosed.includes(fault.id) || current.revealed),
        );
        allDoneAt = done ? (allDoneAt ?? now) : undefined;
        if (allDoneAt && now - allDoneAt >= 20_000) ending = 'every fault mitigated and named';
      }
      if (now >= deadline) ending = `out of time (${settings.maxMinutes} minutes)`;
      const failed = traffic.requests.filter((request) => request.outcome !== 'ok').length;
      await publish(now, actions);
      settings.progress(
        `[drill] ${formatElapsed(now - startedAt.getTime())} · ${traffic.requests.length} requests, ${failed} failed · ${actions.length} actions`,
      );
      await sleep(1_000);
    }
    settings.progress('');
    settings.log(`\nThe drill ends: ${ending}.`);
    await traffic.stop();
    const finishedAt = new Date();
    note('drill', `drill ended: ${ending}`, finishedAt);
    await restoreFlags(options, files);
    const restored = listFlags(await readFlagFile(options.flagFile));
    await waitForFlags(services, restored).catch(() => undefined);
    const final = (await readSecret(files, key)) ?? secret;
    const report = buildReport({
      plan,
      secret: final,
      startedAt,
      faultAt,
      finishedAt,
      ended: ending as string,
      actions: await readActions(files),
      timeline,
      progress,
      alerts,
      alertsRead: settings.prometheusUrl !== undefined,
      requests: traffic.requests,
      auditBefore,
      auditAfter: await audit(options),
      links: settings.links,
    });
    await clearDrill(files);
    return report;
  } catch (error) {
    await traffic.stop().catch(() => undefined);
    await restoreFlags(options, files);
    await clearDrill(files);
    throw error;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

/** Every flag a drill holds hidden, over all its faults. */
function hiddenFlags(secret: DrillSecret): Record<string, string> {
  return Object.assign({}, ...secret.faults.map((fault) => fault.hidden));
}

function variantsOf(file: Awaited<ReturnType<typeof readFlagFile>> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(file?.flags ?? {}).map(([key, flag]) => [key, flag.defaultVariant]),
  );
}

/** Alerts as Prometheus reports them, each firing and resolving noted once. */
async function followAlerts(
  prometheusUrl: string,
  alerts: Map<string, { firedAt?: number; resolvedAt?: number }>,
  note: (kind: TimelineEntry['kind'], text: string) => void,
): Promise<void> {
  const states = await alertStates(prometheusUrl);
  if (!states) return;
  for (const [name, state] of states) {
    const known = alerts.get(name) ?? {};
    if (state === 'firing' && (known.firedAt === undefined || known.resolvedAt !== undefined)) {
      alerts.set(name, { firedAt: Date.now() });
      note('alert', `alert ${name} firing`);
    }
  }
  for (const [name, known] of alerts) {
    if (known.firedAt !== undefined && known.resolvedAt === undefined && states.get(name) !== 'firing') {
      known.resolvedAt = Date.now();
      note('alert', `alert ${name} resolved`);
    }
  }
}

function describeAction(action: DrillAction): string {
  switch (action.kind) {
    case 'detect':
      return `detect: "${action.text}"`;
    case 'diagnose':
      return `diagnose ${action.text}: ${action.right ? 'right' : 'wrong'}`;
    case 'hint':
      return `asked for a hint (${action.text || 'none left'})`;
    case 'rollback':
      return `rolled back ${action.text}`;
    case 'flags':
      return `set flags: ${action.text}`;
    default:
      return action.kind;
  }
}

function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
