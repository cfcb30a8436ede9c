import { Writable } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger';

describe('createLogger', () => {
  it('names the service and carries the active trace and span ids, so a log line leads to its trace', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const logger = createLogger('storefront', sink);
    const span = new TracerProvider().getTracer('test').startSpan('checkout');
    context.with(trace.setSpan(context.active(), span), () =>
      logger.info({ orderId: 'o-1' }, 'order created'),
    );
    logger.info('outside any trace');
    span.end();

    expect(lines[0]).toMatchObject({
      'service.name': 'storefront',
      level: 'info',
      msg: 'order created',
      orderId: 'o-1',
      trace_id: span.spanContext().traceId,
      span_id: span.spanContext().spanId,
    });
    expect(lines[1]).not.toHaveProperty('trace_id');
  });
});
