/**
 * The shapes the console's JSON API answers with, shared by the server and the web app (which
 * imports them as types only: nothing here may need Node).
 */
export type { AttributeValue, StoredLog, StoredSpan } from './otlp/telemetry-types';
export type { TraceSummary } from './store/span-store';

/** What the console's charts draw: one time axis (epoch seconds) shared by every series. */
export interface SignalsView {
  lab: string;
  times: number[];
  charts: Array<{
    id: string;
    title: string;
    unit: string;
    series: Array<{ label: string; tone: string; values: Array<number | null> }>;
  }>;
  marks: Array<{ time: number; text: string }>;
}

/** A report under `reports/`, as the Runs view lists it. */
export interface ReportEntry {
  name: string;
  lab: string;
  startedAt: string;
  /** The broken/fixed pair `lab run` recorded for the compare view, when it did. */
  compare?: { endpoint: string; broken: string; fixed: string };
  passed?: boolean;
}
