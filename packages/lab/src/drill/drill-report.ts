import type { DrillFault, InvariantName } from '@incident-lab/scenarios';
import type { ProbeResult } from '../report/report';
import type { DrillScore } from './drill-score';
import type { DrillAction } from './drill-state';

/** One moment of the drill, on its timeline. */
export interface TimelineEntry {
  at: string;
  /** Seconds since the fault struck (negative before it). */
  sinceFaultS: number;
  kind: 'drill' | 'fault' | 'symptom' | 'alert' | 'learner' | 'hypothesis';
  text: string;
}

/** An alert the fault should fire, and whether (and how soon) it did. */
export interface AlertCoverage {
  alert: string;
  /** False when no Prometheus was there to ask (the drill ran without --observe). */
  read: boolean;
  fired: boolean;
  /** Seconds from the fault to firing. */
  afterS?: number;
  resolvedAfterS?: number;
  /** Its runbook, and whether it names the service where the cause was. */
  runbook?: string;
  runbookNamesService?: boolean;
}

export interface DrillFaultReport {
  id: string;
  title: string;
  service: string;
  cause: string;
  /** The flags that were held in force without being shown. */
  hidden: Record<string, string>;
  /** Fixes a level-3 drill turned off quietly. */
  quietlyOff: Record<string, string>;
  /** How it could have been ended. */
  mitigations: DrillFault['mitigations'];
  /** Seconds from the fault until its hypothesis first failed; undefined when it never did. */
  hurtAfterS?: number;
  /** Seconds from the fault until it held again for good; undefined when it never did. */
  mitigatedAfterS?: number;
  /** The shop absorbed it: its hypothesis never failed. */
  absorbed: boolean;
  /** The last window's verdict, probe by probe. */
  lastWindow?: ProbeResult[];
  alerts: AlertCoverage[];
}

export interface DrillReport {
  kind: 'drill';
  seed: number;
  level: number;
  startedAt: string;
  faultAt: string;
  finishedAt: string;
  /** How it ended: every fault mitigated, stopped by the learner, out of time. */
  ended: string;
  score: DrillScore;
  faults: DrillFaultReport[];
  actions: DrillAction[];
  timeline: TimelineEntry[];
  impact: {
    /** The drill's own traffic between the fault and its end: what people experienced. */
    requests: number;
    failed: number;
    byEndpoint: Record<string, { requests: number; failed: number; p95Ms: number }>;
    /** New findings of `lab check` since the drill started, with ids. */
    audit: Partial<Record<InvariantName, string[]>>;
  };
  /** Per 10 s of the drill: requests sent, failed, checkout p95 — for the chart. */
  series: Array<{ atS: number; requests: number; failed: number; p95Ms: number | null }>;
  links: {
    /** Traces of requests that failed after the fault, where they open. */
    failedTraces: string[];
    /** The console's trace search over the fault's time, errors only. */
    traceSearch: string;
    grafana: string;
  };
  /** The incident report a learner finishes: what the drill knows is filled in. */
  incidentReport: string;
}
