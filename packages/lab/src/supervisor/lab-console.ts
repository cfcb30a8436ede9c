import path from 'node:path';
import { SERVICE_NAMES } from '@incident-lab/config';
import { type RunningConsole, startConsole } from '@incident-lab/console';
import { DRILL_CAUSES } from '@incident-lab/scenarios';
import { annotateFlagChange } from '../clients/grafana-annotations';
import { RUNBOOKS } from '../clients/prometheus';
import { firingAlertCount } from '../clients/prometheus-alerts';
import { scrape } from '../clients/scrape';
import { consolePort, drillStatusFile, type LabOptions } from '../settings/lab-options';
import { labServices } from '../settings/services';

/** The lab CLI's own entry point, so the console can start `lab run` and `lab check` as a learner would. */
const LAB_BIN = path.resolve(__dirname, '../../bin/lab.js');

/**
 * What the services need to report to the console: their OTLP endpoint, and debug logging, so the
 * lines nobody reads (lab 3's swallowed error is logged at debug) reach the trace they belong to.
 * `lab up` keeps them out of the terminal, where they would be noise.
 */
export function consoleServiceEnv(consoleUrl: string): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: consoleUrl, LOG_LEVEL: 'debug' };
}

/**
 * The lab console for this lab: its services, flag file and reports, scraped with the same code as
 * `lab run`, alerts from LAB_PROMETHEUS_URL when set, flag changes marked on Grafana when it runs.
 * `forwardOtlpTo` is where the services' spans also go (compose's Jaeger), when set.
 */
export function startLabConsole(
  options: LabOptions,
  settings: {
    forwardOtlpTo?: string;
    prometheusUrl?: string;
    reportsDir?: string;
    labEnv?: NodeJS.ProcessEnv;
  } = {},
): Promise<RunningConsole> {
  const prometheusUrl = settings.prometheusUrl ?? options.observability.prometheusUrl;
  return startConsole(
    {
      namespace: options.namespace,
      services: labServices(options).map(({ name, url }) => ({ name, url })),
      flagFile: options.flagFile,
      reportsDir: settings.reportsDir ?? path.resolve('reports'),
      runbooksDir: RUNBOOKS,
      scrape,
      ...(prometheusUrl ? { firingAlerts: () => firingAlertCount(prometheusUrl) } : {}),
      flagsChanged: async (text) => {
        await annotateFlagChange(options.observability, text);
      },
      labCommand: [process.execPath, LAB_BIN],
      drill: { statusFile: drillStatusFile(options), services: SERVICE_NAMES, causes: DRILL_CAUSES },
      ...(settings.labEnv ? { labEnv: settings.labEnv } : {}),
      ...(settings.forwardOtlpTo ? { forwardOtlpTo: settings.forwardOtlpTo } : {}),
    },
    { port: consolePort(options), hostname: options.host },
  );
}
