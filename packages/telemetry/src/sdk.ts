import { context, DiagConsoleLogger, diag, logs, metrics, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  diagLogLevelFromString,
  getBooleanFromEnv,
  getNumberFromEnv,
  getStringFromEnv,
  getStringListFromEnv,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as ProtobufLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MySQL2Instrumentation } from '@opentelemetry/instrumentation-mysql2';
import { PinoInstrumentation } from '@opentelemetry/instrumentation-pino';
import { RedisInstrumentation } from '@opentelemetry/instrumentation-redis';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  processDetector,
} from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { markMeterProviderReady, prometheusExporter } from './metrics';
import { resendAttributes } from './resend-count';

let providers: { shutdown(): Promise<void> }[] | undefined;

/**
 * Starts tracing and log export over OTLP and metrics (Prometheus, served by the app), from the
 * standard OTEL_* variables: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, OTEL_EXPORTER_OTLP_ENDPOINT
 * (default http://localhost:4318; `lab up` points it at the lab console), OTEL_EXPORTER_OTLP_PROTOCOL
 * (http/protobuf by default, or http/json), OTEL_TRACES_EXPORTER and OTEL_LOGS_EXPORTER (`none` turns
 * one off), OTEL_BSP_* and OTEL_BLRP_* (batch processors) and OTEL_SDK_DISABLED. So the same build
 * runs locally, in tests and under docker compose.
 *
 * The providers are put together here rather than by the Node SDK's `NodeSDK` with
 * `getNodeAutoInstrumentations`: those load every exporter (gRPC, Zipkin) and some forty
 * instrumentations the shop never calls, which cost each of the seven processes 18 MB of memory and
 * a third of a second at start (bench/results.md, "What each change bought").
 */
export function startTelemetry(): void {
  if (providers || getBooleanFromEnv('OTEL_SDK_DISABLED')) return;
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  if (logLevel) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });

  // Only what the shop uses: its HTTP server and clients, Express, mysql2, RabbitMQ, Redis (node-redis),
  // pino, and the runtime's event-loop and heap metrics the dashboards show.
  const instrumentations = [
    new HttpInstrumentation({
      // Health probes and scrapes every few seconds would bury the traces a learner looks for.
      ignoreIncomingRequestHook: (request) => /^\/(health|metrics)/.test(request.url ?? ''),
      // The exporter's own uploads are not the shop's traffic.
      ignoreOutgoingRequestHook: (request) => String(request.path ?? '').startsWith('/v1/'),
    }),
    // One span per Express middleware, router and handler layer would bury the pool wait and the
    // queries; the server span still takes the route for its name (`GET /api/orders/:id`).
    new ExpressInstrumentation({
      ignoreLayersType: [
        ExpressLayerType.MIDDLEWARE,
        ExpressLayerType.ROUTER,
        ExpressLayerType.REQUEST_HANDLER,
      ],
    }),
    new MySQL2Instrumentation(),
    new AmqplibInstrumentation(),
    // The catalogue cache's commands (node-redis's @redis/client), a failed write with its error.
    new RedisInstrumentation({ requireParentSpan: true }),
    // A retried call's CLIENT span says which resend it is (`asResend`), as semconv asks.
    new UndiciInstrumentation({ startSpanHook: resendAttributes }),
    // Log lines leave as OTLP log records beside the traces; the trace ids in the JSON lines come
    // from the logger's own mixin (logger.ts), so they are not added twice.
    new PinoInstrumentation({ disableLogCorrelation: true }),
    new RuntimeNodeInstrumentation(),
  ];
  registerInstrumentations({ instrumentations });

  const contextManager = new AsyncLocalStorageContextManager();
  contextManager.enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );

  const resource = defaultResource().merge(
    detectResources({ detectors: [envDetector, processDetector, hostDetector] }),
  );
  const meterProvider = new MeterProvider({ resource, readers: [prometheusExporter()] });
  metrics.setGlobalMeterProvider(meterProvider);
  for (const instrumentation of instrumentations) instrumentation.setMeterProvider(meterProvider);
  markMeterProviderReady();
  providers = [meterProvider];

  if (exporterWanted('OTEL_TRACES_EXPORTER')) {
    const exporter =
      protocol('TRACES') === 'http/json' ? new JsonTraceExporter() : new ProtobufTraceExporter();
    // The tracer's own span counts (started, live) are not asked for: they cost two metric records
    // per span and nothing reads them.
    const tracerProvider = new TracerProvider({
      resource,
      // The span processor counts what it did with each span (exported, or dropped because its queue
      // was full): `otel_sdk_processor_span_processed_total`, so `lab run` can say no span was lost.
      spanProcessors: [
        new BatchSpanProcessor({
          exporter,
          selfObsMeterProvider: meterProvider,
          ...batchSettings('BSP'),
        }),
      ],
    });
    trace.setGlobalTracerProvider(tracerProvider);
    providers.push(tracerProvider);
  }
  if (exporterWanted('OTEL_LOGS_EXPORTER')) {
    const exporter = protocol('LOGS') === 'http/json' ? new JsonLogExporter() : new ProtobufLogExporter();
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter,
          ...batchSettings('BLRP'),
        }),
      ],
    });
    logs.setGlobalLoggerProvider(loggerProvider);
    providers.push(loggerProvider);
  }
}

/**
 * A batch processor's settings from OTEL_BSP_* (spans) or OTEL_BLRP_* (log records): the processors
 * do not read them themselves (NodeSDK did it for them); tests shorten the delay. Unset or negative
 * leaves the SDK's default.
 */
function batchSettings(prefix: 'BSP' | 'BLRP') {
  const fromEnv = (name: string) => {
    const value = getNumberFromEnv(`OTEL_${prefix}_${name}`);
    return value !== undefined && value >= 0 ? value : undefined;
  };
  return {
    maxQueueSize: fromEnv('MAX_QUEUE_SIZE'),
    scheduledDelayMillis: fromEnv('SCHEDULE_DELAY'),
    exportTimeoutMillis: fromEnv('EXPORT_TIMEOUT'),
    maxExportBatchSize: fromEnv('MAX_EXPORT_BATCH_SIZE'),
  };
}

/** `otlp` (the default) or `none`; anything else is named on stderr and treated as `otlp`. */
function exporterWanted(variable: string): boolean {
  const wanted = getStringListFromEnv(variable) ?? [];
  if (wanted.includes('none')) return false;
  const unknown = wanted.filter((name) => name !== 'otlp');
  if (unknown.length) console.error(`${variable}=${unknown.join(',')} is not supported here: exporting otlp`);
  return true;
}

/** OTEL_EXPORTER_OTLP_{signal}_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf or http/json. */
function protocol(signal: 'TRACES' | 'LOGS'): string {
  const variable = getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`)
    ? `OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const value = getStringFromEnv(variable) ?? 'http/protobuf';
  if (value === 'http/json' || value === 'http/protobuf') return value;
  console.error(
    `${variable}=${value} is not supported here (http/protobuf or http/json): exporting http/protobuf`,
  );
  return 'http/protobuf';
}

/** Flushes pending spans and log records; services call it last in their graceful shutdown. */
export async function shutdownTelemetry(): Promise<void> {
  await Promise.all((providers ?? []).map((provider) => provider.shutdown()));
}
