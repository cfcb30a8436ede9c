import { describe, expect, it } from 'vitest';
import { counterTotals, deltas, parsePrometheusText } from './prometheus-text';

const page = `# HELP shop_orders_created_total Orders created by checkout.
# TYPE shop_orders_created_total counter
shop_orders_created_total 12
shop_payments_failed_total{reason="unavailable"} 2
shop_payments_failed_total{reason="declined"} 1
lab_flag_value{flag="provider-outage",variant="on"} 1
http_server_request_duration_count{http_route="/api/login",http_response_status_code="200"} 40
nodejs_eventloop_delay_p99 0.0104
otel_sdk_processor_span_processed_total{otel_component_type="batching_span_processor"} 900
otel_sdk_processor_span_processed_total{otel_component_type="batching_span_processor",error_type="queue_full"} 7
`;

describe('Prometheus text', () => {
  it('reads names, labels and values', () => {
    const samples = parsePrometheusText(page);
    expect(samples).toContainEqual({
      name: 'lab_flag_value',
      labels: { flag: 'provider-outage', variant: 'on' },
      value: 1,
    });
    expect(samples).toHaveLength(8);
  });

  it('sums the counters of interest over their labels and gives deltas', () => {
    const totals = counterTotals(parsePrometheusText(page));
    expect(totals).toEqual({
      shop_orders_created_total: 12,
      shop_payments_failed_total: 3,
      http_server_request_duration_count: 40,
      // Exported and dropped spans apart: one is the point, the other a loss.
      otel_sdk_processor_span_processed_total: 900,
      'otel_sdk_processor_span_processed_total{error_type="queue_full"}': 7,
    });
    expect(deltas({ shop_orders_created_total: 2 }, totals)).toMatchObject({
      shop_orders_created_total: 10,
      shop_payments_failed_total: 3,
    });
  });
});
