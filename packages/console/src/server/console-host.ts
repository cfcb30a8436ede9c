import type { MetricSample } from '../signals/metric-sample';

/**
 * What the console needs from the lab it watches. The lab CLI provides it (`lab up`, `lab console`),
 * so the console knows nothing of how the lab is started, seeded or audited.
 */
export interface ConsoleHost {
  namespace: string;
  services: Array<{ name: string; url: string }>;
  /** The flag file the services read: the console edits it as `lab flags set` does. */
  flagFile: string;
  /** Where `lab run` writes its reports; the console lists and serves them. */
  reportsDir: string;
  /** The alerts' runbooks, served at /runbooks/ (the alerts' `runbook_base` points there). */
  runbooksDir?: string;
  scrape(serviceUrl: string): Promise<MetricSample[]>;
  /** Alerts firing in the lab's Prometheus, when one is configured. */
  firingAlerts?(): Promise<number | undefined>;
  /** Told after the console changed flags (the lab CLI marks it on Grafana when Grafana runs). */
  flagsChanged?(text: string): Promise<void>;
  /** The lab CLI as a command line (`node …/bin/lab.js`): the console starts `run` and `check` with it. */
  labCommand: string[];
  /** The environment those commands run with (the lab's namespace, ports, flag file); the console's own otherwise. */
  labEnv?: NodeJS.ProcessEnv;
  /** Where traces also go (compose's Jaeger); the console forwards every OTLP export there. */
  forwardOtlpTo?: string;
  /**
   * The game day (`lab drill`): the running drill's public status file, and what a learner may name
   * in a diagnosis. The page's actions run `lab drill <action>` with `labCommand`.
   */
  drill?: { statusFile: string; services: readonly string[]; causes: Record<string, string> };
}
