import { trace } from '@opentelemetry/api';

/** The active trace id, or undefined when nothing is being traced. */
export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  if (!context || context.traceId === '00000000000000000000000000000000') return undefined;
  return context.traceId;
}
