import type { Dashboard, DataQuery, DataSourceRef, Panel } from '@grafana/schema';

/** A Prometheus query as Grafana keeps it in a panel (Grafana's schema leaves queries open). */
export interface PrometheusTarget extends DataQuery {
  expr: string;
  legendFormat?: string;
  instant?: boolean;
  format?: 'table' | 'time_series' | 'heatmap';
  datasource?: DataSourceRef;
}

/** Grafana's dashboard and panel schema, with Prometheus targets: what the lab's dashboards are. */
export type LabPanel = Omit<Panel, 'targets'> & { targets: PrometheusTarget[] };
export type LabDashboard = Omit<Dashboard, 'panels'> & { uid: string; title: string; panels: LabPanel[] };
