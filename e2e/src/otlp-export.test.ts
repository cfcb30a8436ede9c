import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { OtlpReceiver } from './support/otlp-receiver';

const run = promisify(execFile);

/**
 * A process preloaded as every service is (`--require @incident-lab/telemetry/register`) does one
 * piece of traced work and logs inside it, the way invoicing logs the swallowed error of lab 3.
 */
const WORK = `
const { trace } = require('@opentelemetry/api');
const { createLogger, shutdownTelemetry } = require('@incident-lab/telemetry');
const logger = createLogger('probe');
trace.getTracer('probe').startActiveSpan('probe work', (span) => {
  logger.warn({ paymentId: 'pay-1' }, 'could not invoice payment');
  process.stderr.write(span.spanContext().traceId);
  span.end();
});
shutdownTelemetry().then(() => process.exit(0));
`;

async function exportOnce(protocol: string | undefined) {
  const receiver = new OtlpReceiver();
  const endpoint = await receiver.start();
  try {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      OTEL_SERVICE_NAME: 'probe',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      LOG_LEVEL: 'info',
    };
    if (protocol) env.OTEL_EXPORTER_OTLP_PROTOCOL = protocol;
    else delete env.OTEL_EXPORTER_OTLP_PROTOCOL;
    const { stderr } = await run(
      process.execPath,
      ['--require', require.resolve('@incident-lab/telemetry/register'), '-e', WORK],
      { env },
    );
    const traceId = /[0-9a-f]{32}/.exec(stderr)?.[0] ?? 'no trace id printed';
    return {
      traceId,
      encodings: [...receiver.encodings],
      spans: receiver.trace(traceId).map((span) => span.name),
      logs: receiver.logs.filter((log) => log.traceId === traceId).map((log) => log.message),
    };
  } finally {
    await receiver.stop();
  }
}

describe('the services’ OTLP export, configured by the standard OTEL_* variables', () => {
  it('sends spans and log records as protobuf by default, the log line carrying its trace id', async () => {
    const sent = await exportOnce(undefined);
    expect(sent.encodings).toEqual(['protobuf']);
    expect(sent.spans).toEqual(['probe work']);
    expect(sent.logs).toEqual(['could not invoice payment']);
  });

  it('sends JSON when OTEL_EXPORTER_OTLP_PROTOCOL=http/json', async () => {
    const sent = await exportOnce('http/json');
    expect(sent.encodings).toEqual(['json']);
    expect(sent.spans).toEqual(['probe work']);
    expect(sent.logs).toEqual(['could not invoice payment']);
  });
});
