import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeLogs,
  decodeTraces,
  otlpEncoding,
  type StoredLog,
  type StoredSpan,
} from '@incident-lab/console';

export type ReceivedSpan = StoredSpan;

/**
 * A stand-in for a collector's OTLP/HTTP receiver: it accepts what the services export (protobuf by
 * default, JSON with OTEL_EXPORTER_OTLP_PROTOCOL=http/json), decoded by the lab console's own
 * decoder, and keeps the spans and log records, so a test can check that one checkout really makes
 * one connected trace.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly logs: StoredLog[] = [];
  /** The encodings the exports arrived in, so a test can tell which protocol the SDK used. */
  readonly encodings = new Set<string>();
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const encoding = otlpEncoding(request.headers['content-type']);
        const body = Buffer.concat(chunks);
        if (encoding) {
          this.encodings.add(encoding);
          if (request.url === '/v1/traces') this.spans.push(...decodeTraces(body, encoding));
          if (request.url === '/v1/logs') this.logs.push(...decodeLogs(body, encoding));
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((span) => span.traceId === traceId);
  }

  /** Every span received so far, from every trace. */
  all(): ReceivedSpan[] {
    return [...this.spans];
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}
