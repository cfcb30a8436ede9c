import type { EndpointGroup } from '@incident-lab/scenarios';

/** How one `lab run` is carried out: the scenario's load, as overridden on the command line. */
export interface RunSettings {
  seed: number;
  durationS: number;
  warmupS: number;
  ratePerS: Partial<Record<EndpointGroup, number>>;
  jaegerUrl: string;
  grafanaUrl: string;
  prometheusUrl?: string;
  log: (line: string) => void;
  /** The live status line (rewritten in place on a terminal); '' ends it. */
  progress: (line: string) => void;
  annotate: (text: string) => Promise<void>;
}
