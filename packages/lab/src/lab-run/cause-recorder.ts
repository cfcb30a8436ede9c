import { LAB_CHARTS, type Scrape, SignalRecorder } from '@incident-lab/console';
import { scrapeEach } from '../clients/scrape';
import type { CauseChart } from '../report/report';
import type { ServiceProcess } from '../settings/services';

/** When an act's load ran (wall clock), and where it sits on the report's x axis (seconds into the phase). */
export interface ActWindow {
  startMs: number;
  offsetS: number;
  durationS: number;
}

/**
 * A moment on the report's x axis, which counts the acts' load only: the pauses between acts (the
 * shop settling after a storm, which can take minutes) are left out, as they are from the requests'
 * timeline. Undefined for a moment outside every act.
 */
export function actSecond(acts: ActWindow[], atMs: number): number | undefined {
  const act = acts.find((each) => atMs >= each.startMs && atMs <= each.startMs + each.durationS * 1000);
  return act ? Math.round((act.offsetS + (atMs - act.startMs) / 1000) * 10) / 10 : undefined;
}

/**
 * The scenario's cause series during a phase's load, from the services' /metrics each second: the
 * same charts the lab console draws live (`LAB_CHARTS`), so the report shows why, not only what.
 * Labs without cause charts (smoke) record nothing.
 */
export function recordCauses(
  lab: string,
  namespace: string,
  services: ServiceProcess[],
  firingAlerts?: () => Promise<number | undefined>,
): { stop(acts: ActWindow[]): CauseChart[] | undefined } | undefined {
  if (!LAB_CHARTS[lab]) return undefined;
  const recorder = new SignalRecorder({
    namespace,
    scrapeAll: async () => {
      const scrapes: Scrape = new Map();
      for (const [name, samples] of await scrapeEach(services)) if (samples) scrapes.set(name, samples);
      return scrapes;
    },
    ...(firingAlerts ? { firingAlerts } : {}),
  });
  recorder.start();
  return {
    stop(acts) {
      recorder.stop();
      const view = recorder.view(lab);
      if (!view) return undefined;
      const seconds = view.times.map((time) => actSecond(acts, time * 1000));
      return view.charts.map((chart) => ({
        id: chart.id,
        title: chart.title,
        unit: chart.unit,
        series: chart.series.map((series) => ({
          label: series.label,
          tone: series.tone,
          // Outside the acts a moment is left out; a second a service did not answer stays a gap.
          points: series.values.flatMap((value, i): Array<[number, number | null]> => {
            const second = seconds[i];
            return second === undefined ? [] : [[second, value]];
          }),
        })),
      }));
    },
  };
}
