import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { polledGauge, serveMetrics } from './metrics';

describe('a gauge counted in the database', () => {
  it('never holds /metrics: a read that hangs leaves the last value, and the page answers at once', async () => {
    let answer: (value: number) => void = () => undefined;
    let reads = 0;
    const gauge = polledGauge(
      'test',
      'test_rows_open',
      'Rows counted slowly.',
      () => {
        reads++;
        // The first read answers 7; the next ones hang, as a query queued behind a jammed pool does.
        return reads === 1 ? Promise.resolve(7) : new Promise<number>((resolve) => (answer = resolve));
      },
      20,
    );
    const server = createServer((request, response) => serveMetrics(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
    try {
      while (reads < 2) await new Promise((resolve) => setTimeout(resolve, 10));
      const started = Date.now();
      const page = await (await fetch(url, { signal: AbortSignal.timeout(2_000) })).text();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(page).toMatch(/^test_rows_open 7$/m);
      expect(reads, 'no second read queued behind the one that hangs').toBe(2);
      answer(9);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await (await fetch(url)).text()).toMatch(/^test_rows_open 9$/m);
    } finally {
      gauge.stop();
      server.close();
    }
  });
});
