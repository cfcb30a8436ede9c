/** One sample of a service's `/metrics`, as the lab CLI's Prometheus text parser reads it. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
