import { describe, expect, it } from 'vitest';
import { dashboards, metricNames } from './support/dashboards';
import { typecheckDashboard } from './support/typecheck-dashboard';

describe.each(dashboards)('dashboard $file', ({ file, dashboard }) => {
  it("fits Grafana's dashboard schema (@grafana/schema), checked by the TypeScript compiler", () => {
    expect(typecheckDashboard(file, JSON.stringify(dashboard))).toEqual([]);
  });

  it('opens with the row "Flags in force", and its latency panels link to Jaeger', () => {
    expect(dashboard.panels[0]?.title).toBe('Flags in force');
    for (const panel of dashboard.panels.filter((each) => /latency/i.test(each.title))) {
      expect(panel.links?.[0]?.url, panel.title).toMatch(
        /^http:\/\/localhost:16686\/search\?service=.+&start=\$\{__from\}000&end=\$\{__to\}000/,
      );
    }
  });

  it('shows the flag changes the lab posts (organisation annotations tagged incident-lab) on every graph', () => {
    const byTag = dashboard.annotations?.list?.find((each) => each.target?.tags);
    expect(
      byTag?.enable,
      "a tag-filtered annotation query (built-in ones show only this dashboard's own)",
    ).toBe(true);
    expect(byTag?.target?.tags).toEqual(['incident-lab']);
  });

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

describe('the schema check', () => {
  it('rejects a malformed dashboard, naming the problem', () => {
    const [first] = dashboards;
    const broken = structuredClone(first?.dashboard) as unknown as { panels: Array<{ gridPos: unknown }> };
    (broken.panels[0] as { gridPos: unknown }).gridPos = { x: 0, y: 0, w: 'wide', h: 5 };
    const errors = typecheckDashboard('broken.json', JSON.stringify(broken));
    expect(errors.join('\n')).toMatch(/broken\.json:\d+: Type 'string' is not assignable to type 'number'/);
  });
});

describe('metricNames', () => {
  it('finds the metrics in a query and skips functions, labels and strings', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, db_client_connection_pool_name) (rate(db_client_connection_wait_time_bucket{http_route="/api/x_y"}[1m])))',
      ),
    ).toEqual(['db_client_connection_wait_time_bucket']);
    expect(metricNames('max by (flag, variant) (lab_flag_variant)')).toEqual(['lab_flag_variant']);
    expect(metricNames('time() - max by (shop_job) (shop_job_last_success_timestamp_seconds)')).toEqual([
      'shop_job_last_success_timestamp_seconds',
    ]);
  });
});
