import { getNodeAutoInstrumentations } from '@opentelemetry/auto-instrumentations-node';
import { ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { markMeterProviderReady, prometheusExporter } from './metrics';
import { resendAttributes } from './resend-count';

let sdk: NodeSDK | undefined;

/**
 * Starts tracing and log export over OTLP and metrics (Prometheus, served by the app). The exporters
 * come from the standard OTEL_* variables, as the SDK documents them: OTEL_EXPORTER_OTLP_ENDPOINT
 * (default http://localhost:4318; `lab up` points it at the lab console), OTEL_EXPORTER_OTLP_PROTOCOL
 * (default http/protobuf; http/json works too), OTEL_TRACES_EXPORTER and OTEL_LOGS_EXPORTER (`none`
 * turns one off). So the same build runs locally, in tests and under docker compose.
 */
export function startTelemetry(): NodeSDK {
  if (sdk) return sdk;
  // Only what the shop uses: its HTTP server and clients, Express, mysql2, RabbitMQ, pino, and the
  // runtime's event-loop and heap metrics the dashboards show. The variable is the SDK's own knob.
  process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS ??= 'http,express,mysql2,amqplib,undici,pino,runtime-node';
  // The SDK counts what its span processor did with each span (exported, or dropped because the
  // queue was full): `otel_sdk_processor_span_processed_total`, so `lab run` can say no span was lost.
  process.env.OTEL_NODE_EXPERIMENTAL_SDK_METRICS ??= 'true';
  sdk = new NodeSDK({
    metricReaders: [prometheusExporter()],
    instrumentations: [
      getNodeAutoInstrumentations({
        // Log lines leave as OTLP log records beside the traces; the trace ids in the JSON lines
        // come from the logger's own mixin (logger.ts), so they are not added twice.
        '@opentelemetry/instrumentation-pino': { disableLogCorrelation: true },
        // One span per Express middleware and router layer would bury the handler and the pool wait.
        '@opentelemetry/instrumentation-express': {
          ignoreLayersType: [ExpressLayerType.MIDDLEWARE, ExpressLayerType.ROUTER],
        },
        // A retried call's CLIENT span says which resend it is (`asResend`), as semconv asks.
        '@opentelemetry/instrumentation-undici': { startSpanHook: resendAttributes },
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

/** Flushes pending spans and log records; services call it last in their graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await sdk?.shutdown();
}
