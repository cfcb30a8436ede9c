import { setTimeout as sleep } from 'node:timers/promises';
import { removeOverlay, setFlags, shippedVariants, writeOverlay } from '@incident-lab/flags';
import { DRILL_LOAD, type DrillFault } from '@incident-lab/scenarios';
import { catalogueCacheKey } from '@incident-lab/storefront/cache-key';
import { countHistory } from '@incident-lab/storefront/seed';
import { deleteKeys } from '../clients/redis';
import { scrapeEach } from '../clients/scrape';
import { waitForFlags } from '../clients/wait-for-flags';
import { ShopClient } from '../load/shop-client';
import type { LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';
import { seed, withPool } from '../shop-data/data';
import { detect, type Finding, type Observation, suspect } from './detector';
import { drillFiles, hiddenOverlay } from './drill-state';
import { DrillTraffic } from './drill-traffic';

/** How one fault showed to a learner who reads only the signals. */
export interface Detection {
  fault: string;
  service: string;
  /** Seconds from the fault until the signals named its service; undefined when they never did. */
  detectedAfterS?: number;
  /** The signal that named it, and the cause a learner would make of it. */
  signal?: string;
  cause?: string;
  /** Whether that cause is the fault's (a learner diagnosing from it would be right). */
  causeRight?: boolean;
  /** Everything noticed at that moment (or at the end, when nothing named the service). */
  findings: Finding[];
}

const OBSERVE_EVERY_MS = 5_000;

/** What a learner reads of the lab now: every service's `/metrics` (and, given, people's requests). */
export async function observeLab(
  options: LabOptions,
  requests: Observation['requests'] = [],
): Promise<Observation> {
  return { atMs: Date.now(), metrics: await scrapeEach(labServices(options)), requests };
}
/** A window of people's experience: the requests sent 25–5 s ago. */
const WINDOW = { fromS: 25, toS: 5 };

/**
 * The detectability sweep: on a running lab with the flags as shipped, for each fault, a healthy
 * stretch, then the fault held in force as a drill hides it (the overlay), watched by the learner's
 * rules (`detector.ts`) until they name the fault's service or `limitS` passes; then the fault is
 * lifted and the shop given time to recover. Never reads a flag to decide.
 */
export async function sweepFaults(
  options: LabOptions,
  faults: DrillFault[],
  settings: { limitS: number; log: (line: string) => void; during?: (fault: DrillFault) => Promise<void> },
): Promise<Detection[]> {
  const services = labServices(options);
  const overlay = { file: drillFiles(options).overlay, secret: options.secrets.internalToken };
  const shipped = await setFlags(options.flagFile, shippedVariants());
  await waitForFlags(services, shipped);
  const history = Math.max(0, ...faults.map((fault) => fault.seedOrders ?? 0));
  if (history > 0 && (await withPool(options, 'storefront', countHistory)) !== history) {
    settings.log(`preparing ${history} orders of history…`);
    await seed(options, history);
  }
  const client = new ShopClient(services[0]?.url as string, 5_000);
  await client.loginAll();
  const traffic = new DrillTraffic(client, DRILL_LOAD, 11);
  traffic.start();
  const observe = () =>
    observeLab(options, traffic.between(Date.now() - WINDOW.fromS * 1000, Date.now() - WINDOW.toS * 1000));
  const detections: Detection[] = [];
  try {
    // Some healthy traffic first: the reference for what people usually experience.
    await sleep(15_000);
    for (const [index, fault] of faults.entries()) {
      const baseline = await observe();
      const history: Observation[] = [baseline];
      await writeOverlay(overlay, await hiddenOverlay(options.flagFile, fault.hidden));
      if (fault.extraLoad) traffic.add(fault.extraLoad);
      const struck = Date.now();
      settings.log(`${fault.id}: in force (hidden); watching the signals…`);
      let detection: Detection = { fault: fault.id, service: fault.service, findings: [] };
      let duringDone = false;
      while (Date.now() - struck < settings.limitS * 1000) {
        await sleep(OBSERVE_EVERY_MS);
        const now = await observe();
        // The counters over the last 20 s; people's experience over the same window.
        const before = history.find((each) => each.atMs >= now.atMs - 20_000 - 2_500) ?? baseline;
        history.push(now);
        const findings = detect(baseline, before, now);
        const named = suspect(findings);
        detection = { ...detection, findings };
        if (!duringDone && settings.during && Date.now() - struck > 15_000) {
          duringDone = true;
          await settings.during(fault);
        }
        if (named?.service === fault.service) {
          detection = {
            ...detection,
            detectedAfterS: Math.round((now.atMs - struck) / 1000),
            signal: named.signal,
            ...(named.cause ? { cause: named.cause, causeRight: named.cause === fault.cause } : {}),
          };
          if (!settings.during || duringDone) break;
        }
      }
      settings.log(
        detection.detectedAfterS === undefined
          ? `${fault.id}: NOT named within ${settings.limitS} s (noticed: ${detection.findings.map((f) => f.signal).join('; ') || 'nothing'})`
          : `${fault.id}: ${fault.service} named after ${detection.detectedAfterS} s by "${detection.signal}"`,
      );
      detections.push(detection);
      await removeOverlay(overlay);
      traffic.remove();
      // A fault's damage can outlive it: the broken shop keeps the prices a refused write left in its
      // catalogue cache for ever. The cache is emptied, as that runbook's first step does, so each
      // fault starts from a healthy shop (the next read refills it from MySQL).
      await deleteKeys(options.redisUrl, [catalogueCacheKey(options.namespace)]);
      // Recovered when a fresh window of the learner's rules finds nothing again (before the next fault).
      const lifted = Date.now();
      while (index < faults.length - 1 && Date.now() - lifted < 90_000) {
        await sleep(OBSERVE_EVERY_MS);
        const now = await observe();
        const before = history.find((each) => each.atMs >= now.atMs - 20_000 - 2_500) ?? baseline;
        history.push(now);
        if (now.atMs - lifted > 30_000 && detect(baseline, before, now).length === 0) break;
      }
    }
  } finally {
    await removeOverlay(overlay);
    await traffic.stop();
  }
  return detections;
}
