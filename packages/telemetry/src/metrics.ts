import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Meter, metrics } from '@opentelemetry/api';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/**
 * One Prometheus exporter per process. The services serve it on their own `/metrics` route rather
 * than on the exporter's separate port, so one port per service carries both the API and its metrics.
 */
let exporter: PrometheusExporter | undefined;
let meterProviderReady = false;

export function prometheusExporter(): PrometheusExporter {
  exporter ??= new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
  return exporter;
}

/** Called by the SDK bootstrap once its MeterProvider (reading through the exporter) is global. */
export function markMeterProviderReady(): void {
  meterProviderReady = true;
}

/**
 * A meter that always reaches `/metrics`. When the process was started without the telemetry
 * preload (unit and integration tests build apps in-process), a metrics-only provider is installed.
 */
export function getMeter(scope: string): Meter {
  if (!meterProviderReady) {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [prometheusExporter()] }));
    meterProviderReady = true;
  }
  return metrics.getMeter(scope);
}

export function serveMetrics(request: IncomingMessage, response: ServerResponse): void {
  prometheusExporter().getMetricsRequestHandler(request, response);
}
