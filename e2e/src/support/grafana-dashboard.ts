import type { AnnotationQuery, Dashboard, DataQuery, DataSourceRef, Panel } from '@grafana/schema';

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
/**
 * Grafana's own annotation filter by tag (the "-- Grafana --" datasource): what shows organisation
 * annotations, such as the lab's flag changes, on a dashboard. The schema's DataQuery leaves its fields out.
 */
export interface TagAnnotationTarget extends DataQuery {
  type: 'tags';
  tags: string[];
  limit: number;
  matchAny: boolean;
}

export type LabAnnotation = Omit<AnnotationQuery, 'target'> & { target?: DataQuery | TagAnnotationTarget };

export type LabDashboard = Omit<Dashboard, 'panels' | 'annotations'> & {
  uid: string;
  title: string;
  panels: LabPanel[];
  annotations?: { list?: LabAnnotation[] };
};
