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
  /** Exports as they came; decoded only when a test reads them, so a busy run pays no decoding. */
  private readonly exports: Array<{ signal: string; encoding: 'protobuf' | 'json'; body: Buffer }> = [];
  private decoded = 0;
  private readonly spanList: ReceivedSpan[] = [];
  private readonly logList: StoredLog[] = [];
  /** The encodings the exports arrived in, so a test can tell which protocol the SDK used. */
  readonly encodings = new Set<string>();
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const encoding = otlpEncoding(request.headers['content-type']);
        if (encoding && (request.url === '/v1/traces' || request.url === '/v1/logs')) {
          this.encodings.add(encoding);
          this.exports.push({ signal: request.url, encoding, body: Buffer.concat(chunks) });
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private decode(): void {
    for (; this.decoded < this.exports.length; this.decoded++) {
      const { signal, encoding, body } = this.exports[this.decoded] as (typeof this.exports)[number];
      if (signal === '/v1/traces') this.spanList.push(...decodeTraces(body, encoding));
      else this.logList.push(...decodeLogs(body, encoding));
    }
  }

  get spans(): ReceivedSpan[] {
    this.decode();
    return this.spanList;
  }

  get logs(): StoredLog[] {
    this.decode();
    return this.logList;
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
