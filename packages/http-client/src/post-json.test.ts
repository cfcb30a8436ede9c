import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, UnreachableError } from './post-json';
import { ServerError, surelyNotProcessed } from './resilience';

let server: Server;
let base: string;

beforeAll(async () => {
  const app = express();
  app.use(express.json());
  app.post('/echo', (request, response) => {
    response.status(201).json({ got: request.body });
  });
  app.post('/teapot', (_request, response) => {
    response.status(418).type('text/plain').send('short and stout');
  });
  app.post('/hang', () => {});
  app.post('/drop', (request) => request.socket.destroy());
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe('postJson', () => {
  it('sends JSON and returns status and parsed body', async () => {
    const answer = await postJson(`${base}/echo`, { orderId: 'o-1' });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ got: { orderId: 'o-1' } });
  });

  it('returns an error status with an empty body when the answer is not JSON', async () => {
    expect(await postJson(`${base}/teapot`, {})).toMatchObject({ status: 418, body: {} });
  });

  it('throws UnreachableError when the connection is dropped or refused', async () => {
    await expect(postJson(`${base}/drop`, {})).rejects.toThrow(UnreachableError);
    await expect(postJson('http://127.0.0.1:9/x', {})).rejects.toThrow(/no answer from 127.0.0.1:9/);
  });

  it('gives up after the timeout when one is set', async () => {
    const started = Date.now();
    await expect(postJson(`${base}/hang`, {}, { timeoutMs: 200 })).rejects.toThrow(UnreachableError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('surelyNotProcessed: may the server have acted on a call that got no usable answer?', () => {
  const failureOf = (call: Promise<unknown>) =>
    call.then(
      () => expect.fail('the call succeeded'),
      (error) => error,
    );

  it('is sure only of a refused connection and a 5xx whose server says it took nothing', async () => {
    // A port nothing listens on (fetch refuses some low ports, such as 9, before connecting).
    const closed = express().listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    expect(surelyNotProcessed(await failureOf(postJson(`http://127.0.0.1:${port}/x`, {})))).toBe(true);
    expect(surelyNotProcessed(new ServerError(503, true))).toBe(true);
  });

  it('is not sure of a dropped connection, a timeout or a bare 5xx (one can follow a commit)', async () => {
    expect(surelyNotProcessed(await failureOf(postJson(`${base}/drop`, {})))).toBe(false);
    expect(surelyNotProcessed(await failureOf(postJson(`${base}/hang`, {}, { timeoutMs: 100 })))).toBe(false);
    expect(surelyNotProcessed(new ServerError(500))).toBe(false);
    expect(surelyNotProcessed(new ServerError(503))).toBe(false);
  });
});
