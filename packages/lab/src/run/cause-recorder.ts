import { LAB_CHARTS, type Scrape, SignalRecorder } from '@incident-lab/console';
import type { CauseChart } from '../report/report';
import type { ServiceProcess } from '../stack/services';
import { scrape } from './scrape';

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
): { stop(from: Date, durationS: number): CauseChart[] | undefined } | undefined {
  if (!LAB_CHARTS[lab]) return undefined;
  const recorder = new SignalRecorder({
    namespace,
    scrapeAll: async () => {
      const scrapes: Scrape = new Map();
      await Promise.all(
        services.map(async (service) => {
          const samples = await scrape(service.url).catch(() => undefined);
          if (samples) scrapes.set(service.name, samples);
        }),
      );
      return scrapes;
    },
    ...(firingAlerts ? { firingAlerts } : {}),
  });
  recorder.start();
  return {
    stop(from, durationS) {
      recorder.stop();
      const view = recorder.view(lab);
      if (!view) return undefined;
      const start = from.getTime() / 1000;
      const seconds = view.times.map((time) => Math.round((time - start) * 10) / 10);
      return view.charts.map((chart) => ({
        id: chart.id,
        title: chart.title,
        unit: chart.unit,
        series: chart.series.map((series) => ({
          label: series.label,
          tone: series.tone,
          points: series.values.flatMap((value, i): Array<[number, number]> => {
            const second = seconds[i] as number;
            return value === null || second < 0 || second > durationS ? [] : [[second, value]];
          }),
        })),
      }));
    },
  };
}
