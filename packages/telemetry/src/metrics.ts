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

/**
 * A gauge counted somewhere slow (a row count in the database), read in the background every
 * `intervalMs` and observed from the last answer. A scrape never waits on the database: a callback
 * that queued behind a jammed pool would hold `/metrics` until Prometheus gave up, and every metric
 * of the service would go dark exactly during the incident they are for. The last value stays until
 * a newer one comes; none is observed before the first.
 */
export function polledGauge(
  scope: string,
  name: string,
  description: string,
  read: () => Promise<number>,
  intervalMs = 1_000,
): { stop(): void } {
  let last: number | undefined;
  let reading = false;
  const refresh = () => {
    if (reading) return; // the previous read is still waiting: do not pile up more behind it
    reading = true;
    read()
      .then((value) => {
        last = value;
      })
      .catch(() => undefined)
      .finally(() => {
        reading = false;
      });
  };
  refresh();
  const timer = setInterval(refresh, intervalMs);
  timer.unref();
  getMeter(scope)
    .createObservableGauge(name, { description })
    .addCallback((result) => {
      if (last !== undefined) result.observe(last);
    });
  return { stop: () => clearInterval(timer) };
}
