import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { markMeterProviderReady, prometheusExporter } from './metrics';

let sdk: NodeSDK | undefined;

/**
 * Starts tracing (OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318) and
 * metrics (Prometheus, served by the app). Everything else comes from the standard OTEL_* variables,
 * so the same build runs locally, in tests and under docker compose.
 */
export function startTelemetry(): NodeSDK {
  if (sdk) return sdk;
  sdk = new NodeSDK({
    traceExporter: new OTLPTraceExporter(),
    metricReaders: [prometheusExporter()],
    instrumentations: [
      getNodeAutoInstrumentations({
        // File and socket spans drown the request story; logs get trace ids from our own mixin.
        '@opentelemetry/instrumentation-fs': { enabled: false },
        '@opentelemetry/instrumentation-net': { enabled: false },
        '@opentelemetry/instrumentation-dns': { enabled: false },
        '@opentelemetry/instrumentation-pino': { enabled: false },
        // Health probes and scrapes every few seconds would bury the traces a learner looks for.
        '@opentelemetry/instrumentation-http': {
          ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? ''),
          // The exporter's own uploads are not the shop's traffic.
          ignoreOutgoingRequestHook: (request) => String(request.path ?? '').startsWith('/v1/'),
        },
      }),
    ],
  });
  sdk.start();
  markMeterProviderReady();
  return sdk;
}

/** Flushes pending spans; services call it last in their graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk?.shutdown();
}
