import { type Attributes, context, createContextKey } from '@opentelemetry/api';

const RESEND_COUNT = createContextKey('incident-lab http.request.resend_count');

/**
 * Runs `send` as the `resendCount`-th resend of one logical request (0: the first try). The HTTP
 * client span the call makes then carries semconv's `http.request.resend_count`, which the
 * conventions put on the CLIENT span and only when the request was resent. The count travels in the
 * OpenTelemetry context because the span is made by the undici instrumentation, which sees only the
 * request.
 */
export function asResend<T>(resendCount: number, send: () => T): T {
  if (resendCount <= 0) return send();
  return context.with(context.active().setValue(RESEND_COUNT, resendCount), send);
}

/** The attributes a client span starts with in the current context (the SDK's `startSpanHook`). */
export function resendAttributes(): Attributes {
  const count = context.active().getValue(RESEND_COUNT);
  return typeof count === 'number' ? { 'http.request.resend_count': count } : {};
}
