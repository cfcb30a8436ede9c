import { createLogger } from '@incident-lab/telemetry';
import { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from './app-error';
import { createServiceApp } from './create-service-app';
import { type Listening, listen } from './serve';
import { validate } from './validate';

let server: Listening;
let base: string;
let databaseUp = true;
const INTERNAL_TOKEN = 'internal-token-internal-token-internal';

beforeAll(async () => {
  const routes = Router();
  routes.post('/things', (request, response) => {
    const body = validate(z.object({ name: z.string().min(1), count: z.number().int() }), request.body);
    response.status(201).json(body);
  });
  routes.get('/teapot', () => {
    throw new AppError({
      status: 418,
      code: 'teapot',
      title: 'I am a teapot',
      headers: { 'retry-after': '3' },
    });
  });
  routes.get('/crash', () => {
    throw new Error('secret internals: password=hunter2');
  });
  const internal = Router();
  internal.post('/refund', (_request, response) => {
    response.json({ refunded: true });
  });
  const app = createServiceApp({
    logger: createLogger('test'),
    publicRoutes: routes,
    internal: { token: INTERNAL_TOKEN, routes: internal, path: '/internal' },
    readiness: {
      database: async () => {
        if (!databaseUp) throw new Error('connection refused');
      },
    },
  });
  server = await listen(app);
  base = server.url;
});

afterAll(() => server.close());

async function call(path: string, init?: RequestInit) {
  const response = await fetch(base + path, init);
  return { response, body: (await response.json()) as Record<string, unknown> };
}

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  call('/things', { method: 'POST', headers, body });

describe('problem+json for every failure', () => {
  it('names each invalid field with a 400', async () => {
    const { response, body } = await post(JSON.stringify({ name: '', count: 'three' }));
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(body['invalid-params']).toEqual([
      expect.objectContaining({ name: 'name' }),
      expect.objectContaining({ name: 'count' }),
    ]);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    expect((await post('{"name": ')).body).toMatchObject({ status: 400, type: '/problems/malformed-json' });
    const big = JSON.stringify({ name: 'x'.repeat(20_000), count: 1 });
    expect((await post(big)).body).toMatchObject({ status: 413, type: '/problems/body-too-large' });
  });

  it('refuses JSON nested deeper than 32 levels with 400, before anything reads it', async () => {
    // 5000 nested arrays: valid JSON under the size limit, deep enough to break recursive code.
    const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const { response, body } = await post(`{"name":"x","count":1,"deep":${deep}}`);
    expect(response.status).toBe(400);
    expect(body).toMatchObject({ type: '/problems/json-too-deep' });
    // Brackets inside strings are text, not nesting.
    const inText = await post(JSON.stringify({ name: '['.repeat(100), count: 1 }));
    expect(inText.response.status).toBe(201);
  });

  it('marks every answer nosniff and no-store', async () => {
    for (const path of ['/teapot', '/nowhere', '/health/live']) {
      const { response } = await call(path);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('cache-control'), path).toBe('no-store');
    }
  });

  it('answers unknown routes with 404 naming the route', async () => {
    const { response, body } = await call('/nowhere');
    expect(response.status).toBe(404);
    expect(body.detail).toContain('GET /nowhere');
  });

  it('answers a known path asked with the wrong method with 405 and Allow', async () => {
    const { response, body } = await call('/things', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(body).toMatchObject({
      type: '/problems/method-not-allowed',
      detail: expect.stringContaining('DELETE'),
    });
    const teapot = await call('/teapot', { method: 'PUT' });
    expect(teapot.response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('keeps the status, code and headers of an AppError', async () => {
    const { response, body } = await call('/teapot');
    expect(response.status).toBe(418);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(body).toMatchObject({ type: '/problems/teapot', title: 'I am a teapot', instance: '/teapot' });
  });

  it('never leaks an unexpected error to the client', async () => {
    const { response, body } = await call('/crash');
    expect(response.status).toBe(500);
    expect(JSON.stringify(body)).not.toContain('hunter2');
    expect(JSON.stringify(body)).not.toContain('at ');
  });

  it('accepts a valid request', async () => {
    const { response, body } = await post(JSON.stringify({ name: 'mug', count: 2 }));
    expect(response.status).toBe(201);
    expect(body).toEqual({ name: 'mug', count: 2 });
  });
});

describe('internal routes', () => {
  const refund = (headers: Record<string, string> = {}) =>
    call('/internal/refund', { method: 'POST', headers });

  it('refuse a caller without the internal token with 401, and answer one holding it', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: INTERNAL_TOKEN },
    ] as Record<string, string>[]) {
      const { response, body } = await refund(headers);
      expect(response.status).toBe(401);
      expect(body).toMatchObject({ type: '/problems/internal-credential-required' });
    }
    const allowed = await refund({ authorization: `Bearer ${INTERNAL_TOKEN}` });
    expect(allowed.response.status).toBe(200);
    expect(allowed.body).toEqual({ refunded: true });
  });

  it('leave health and metrics open', async () => {
    expect((await call('/health/live')).response.status).toBe(200);
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});

describe('health', () => {
  it('is live always, and ready only while its dependencies answer', async () => {
    expect((await call('/health/live')).response.status).toBe(200);
    expect((await call('/health/ready')).response.status).toBe(200);
    databaseUp = false;
    const { response, body } = await call('/health/ready');
    databaseUp = true;
    expect(response.status).toBe(503);
    expect(body).toMatchObject({ status: 'not-ready', checks: { database: 'connection refused' } });
  });

  it('serves Prometheus text on /metrics', async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
  });
});

describe('requests Node refuses before Express', () => {
  it('answers headers over 16 KB with a 431 problem', async () => {
    const response = await fetch(`${base}/health/live?q=${'x'.repeat(20_000)}`);
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ type: '/problems/headers-too-large', status: 431 });
  });
});
