import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const dir = path.resolve(__dirname, '../../../infra/grafana/dashboards');

export interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ refId: string; expr: string }>;
  links?: Array<{ title: string; url: string }>;
}

export const dashboards = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      uid: string;
      title: string;
      panels: Panel[];
      annotations?: { list?: Array<{ enable: boolean; target?: { tags?: string[] } }> };
    },
  }));

/** Series Prometheus itself writes (not a service): the firing alerts. */
export const PROMETHEUS_SERIES = new Set(['ALERTS']);

/** Metric names a PromQL expression reads (words followed by `{`, `[` or `)`, minus functions and labels). */
export function metricNames(expr: string): string[] {
  const functions = new Set([
    'histogram_quantile',
    'sum',
    'rate',
    'max',
    'min',
    'avg',
    'by',
    'increase',
    'irate',
    'count',
    'le',
    'without',
    'time',
    'clamp_min',
    'abs',
  ]);
  const withoutStrings = expr
    .replace(/"[^"]*"/g, '""')
    // Label lists of aggregations and joins name labels, not metrics: `by (shop_job)`.
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '$1 ()')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]');
  return [...withoutStrings.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)]
    .map((match) => match[1] as string)
    .filter(
      (name) =>
        !functions.has(name) && !/^\d/.test(name) && (name.includes('_') || PROMETHEUS_SERIES.has(name)),
    );
}

/**
 * The metrics a dashboard's panels query that no running service exports, as "panel: metric"
 * (series Prometheus writes itself, like ALERTS, are not a service's to export).
 */
export async function metricsMissingFrom(serviceUrls: string[], dashboardUid: string): Promise<string[]> {
  const pages = await Promise.all(serviceUrls.map(async (url) => (await fetch(`${url}/metrics`)).text()));
  const exported = new Set(
    pages.flatMap((page) =>
      page
        .split('\n')
        .filter((line) => !line.startsWith('#'))
        .map((line) => line.split(/[{ ]/)[0]),
    ),
  );
  const found = dashboards.find(({ dashboard }) => dashboard.uid === dashboardUid);
  if (!found) return [`no dashboard with uid ${dashboardUid}`];
  return found.dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).flatMap((target) =>
      metricNames(target.expr)
        .filter((name) => !exported.has(name) && !PROMETHEUS_SERIES.has(name))
        .map((name) => `${panel.title}: ${name}`),
    ),
  );
}
