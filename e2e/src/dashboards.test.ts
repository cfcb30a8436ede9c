import { describe, expect, it } from 'vitest';
import { dashboards, metricNames } from './support/dashboards';

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
