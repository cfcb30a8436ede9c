import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const dir = path.resolve(__dirname, '../../infra/grafana/dashboards');

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ refId: string; expr: string }>;
}

export const dashboards = readdirSync(dir)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    file,
    dashboard: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as {
      uid: string;
      title: string;
      panels: Panel[];
    },
  }));

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
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]');
  return [...withoutStrings.matchAll(/\b([a-zA-Z_:][\w:]*)\b(?!\s*\()/g)]
    .map((match) => match[1] as string)
    .filter((name) => !functions.has(name) && !/^\d/.test(name) && name.includes('_'));
}

describe.each(dashboards)('dashboard $file', ({ dashboard }) => {
  it('has a uid, a title and panels with unique ids, each querying Prometheus', () => {
    expect(dashboard.uid).toMatch(/^[\w-]+$/);
    expect(dashboard.title.length).toBeGreaterThan(3);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of dashboard.panels) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      expect(panel.datasource?.uid, panel.title).toBe('prometheus');
      for (const target of panel.targets ?? [])
        expect(metricNames(target.expr).length, target.expr).toBeGreaterThan(0);
    }
  });
});

describe('metricNames', () => {
  it('finds the metrics in a query and skips functions, labels and strings', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, pool) (rate(db_pool_acquire_wait_bucket{http_route="/api/x_y"}[1m])))',
      ),
    ).toEqual(['db_pool_acquire_wait_bucket']);
    expect(metricNames('max by (flag) (lab_flag_value)')).toEqual(['lab_flag_value']);
  });
});
