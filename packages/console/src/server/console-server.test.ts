import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { copyShippedFlagFile } from '@incident-lab/flags';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningConsole, startConsole } from './console-server';

let running: RunningConsole;
let flagFile: string;
/** What a stand-in for compose's Jaeger received from the console's forwarding. */
const forwarded: Array<{ url: string; type: string; body: string }> = [];
const jaeger = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  forwarded.push({
    url: request.url ?? '',
    type: request.headers['content-type'] ?? '',
    body: Buffer.concat(chunks).toString(),
  });
  response.writeHead(200).end('{}');
});

beforeAll(async () => {
  flagFile = await copyShippedFlagFile();
  jaeger.listen(0, '127.0.0.1');
  await once(jaeger, 'listening');
  running = await startConsole(
    {
      namespace: 'test',
      services: [],
      flagFile,
      reportsDir: __dirname,
      runbooksDir: path.resolve(__dirname, '../../../../lab-guides/runbooks'),
      scrape: async () => [],
      labCommand: ['false'],
      forwardOtlpTo: `http://127.0.0.1:${(jaeger.address() as AddressInfo).port}`,
    },
    { port: 0 },
  );
});
afterAll(async () => {
  await running.stop();
  jaeger.close();
});

async function call(path: string, init?: RequestInit) {
  const response = await fetch(`${running.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text };
}

describe('the console’s HTTP surface', () => {
  it('changes a flag through the flag file, and refuses a bad one with problem+json, changing nothing', async () => {
    const put = (body: unknown, type = 'application/json') =>
      call('/api/flags', { method: 'PUT', headers: { 'content-type': type }, body: JSON.stringify(body) });
    expect((await put({ set: { 'provider-outage': 'on' } })).status).toBe(200);
    const file = () => readFile(flagFile, 'utf8');
    expect(JSON.parse(await file()).flags['provider-outage'].defaultVariant).toBe('on');

    const before = await file();
    const unknown = await put({ set: { 'provider-outage': 'off', 'no-such-flag': 'on' } });
    expect(unknown.status).toBe(400);
    expect(unknown.type).toBe('application/problem+json');
    expect(JSON.parse(unknown.text).detail).toContain('no-such-flag');
    const badVariant = await put({ set: { 'provider-outage': 'sometimes' } });
    expect(JSON.parse(badVariant.text).detail).toBe(
      '"sometimes" is not a variant of provider-outage; valid: off (false), on (true)',
    );
    for (const body of [{}, { set: [] }, { set: { 'provider-outage': { x: 1 } } }, 'on']) {
      expect((await put(body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await put({ set: { 'provider-outage': 'off' } }, 'text/plain')).status).toBe(415);
    expect(await file()).toBe(before);
  });

  it('keeps an export and forwards it unchanged to the configured endpoint (compose’s Jaeger)', async () => {
    const span = {
      traceId: 'ab'.repeat(16),
      spanId: 'cd'.repeat(8),
      name: 'POST /api/orders',
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
    };
    const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [span] }] }] });
    const answer = await call('/v1/traces', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(answer.status).toBe(200);
    expect(running.spans.trace('ab'.repeat(16))).toHaveLength(1);
    await expect.poll(() => forwarded.length).toBe(1);
    expect(forwarded[0]).toEqual({ url: '/v1/traces', type: 'application/json', body });
  });

  it('answers OTLP exports it cannot read with 400 or 415, and an empty export with 200', async () => {
    const post = (body: string | Uint8Array, type: string) =>
      call('/v1/traces', { method: 'POST', headers: { 'content-type': type }, body });
    expect((await post('{"resourceSpans":[]}', 'application/json')).status).toBe(200);
    expect((await post(new Uint8Array(), 'application/x-protobuf')).status).toBe(200);
    expect((await post('{nope', 'application/json')).status).toBe(400);
    expect(
      (await post(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff]), 'application/x-protobuf')).status,
    ).toBe(400);
    expect((await post('x', 'text/plain')).status).toBe(415);
    const spanWithoutIds = '{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"x"}]}]}]}';
    expect((await post(spanWithoutIds, 'application/json')).status).toBe(400);
    expect(running.spans.size).toBe(1); // only the forwarding test's span
  });

  it('checks every search field and names the bad one; unknown routes and methods are 404 and 405', async () => {
    for (const [query, field] of [
      ['minMs=-1', 'minMs'],
      ['minMs=abc', 'minMs'],
      ['limit=0', 'limit'],
      ['error=maybe', 'error'],
      ['attr=shop.order.id', 'attr'],
      ['traceId=xyz', 'traceId'],
      [`operation=${'a'.repeat(201)}`, 'operation'],
    ] as const) {
      const answer = await call(`/api/traces?${query}`);
      expect(answer.status, query).toBe(400);
      expect(JSON.parse(answer.text).detail, query).toContain(field);
    }
    expect((await call('/api/traces?minMs=5&error=true&attr=shop.order.id%3D1')).status).toBe(200);
    expect((await call('/api/traces/0123456789abcdef')).status).toBe(404);
    expect((await call('/api/signals?lab=nope')).status).toBe(404);
    expect((await call('/api/nothing')).status).toBe(404);
    const wrongMethod = await call('/api/flags', { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
  });

  it('serves the runbooks as text, and nothing else under /runbooks/', async () => {
    const runbook = await call('/runbooks/invoices-missing.md');
    expect(runbook.status).toBe(200);
    expect(runbook.type).toBe('text/plain; charset=utf-8');
    expect(runbook.text).toContain('InvoicesBehindPayments');
    expect((await call('/runbooks/no-such-runbook.md')).status).toBe(404);
    expect((await call('/runbooks/..%2fconsole-host.ts')).status).toBe(404);
  });

  it('serves report files only from inside the reports folder', async () => {
    expect((await call('/reports/console-server.test.ts')).status).toBe(200);
    for (const path of [
      '/reports/../console-host.ts',
      '/reports/%2e%2e/console-host.ts',
      '/reports/%2e%2e%2f%2e%2e/index.ts',
      '/reports/%E0%A4%A',
    ]) {
      const answer = await call(path);
      expect([400, 404], path).toContain(answer.status);
    }
  });
});
