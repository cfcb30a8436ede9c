import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MetricSample } from './metric-sample';
import { type Scrape, SignalRecorder } from './signal-recorder';

/** storefront's checkout counters: `ok` 2xx answers and `failed` answers with `status`. */
const checkouts = (ok: number, failed: number, status: string): MetricSample[] => [
  {
    name: 'http_server_request_duration_count',
    labels: { http_route: '/api/orders', http_response_status_code: '202' },
    value: ok,
  },
  {
    name: 'http_server_request_duration_count',
    labels: { http_route: '/api/orders', http_response_status_code: status },
    value: failed,
  },
  {
    name: 'http_server_request_duration_count',
    labels: { http_route: '/api/login', http_response_status_code: '503' },
    value: 40,
  },
];

/** Ticks one second apart on the recorder's clock. */
async function tickEachSecond(recorder: SignalRecorder, ticks: number) {
  for (let tick = 0; tick < ticks; tick++) {
    vi.setSystemTime(Date.UTC(2026, 0, 1, 0, 0, tick));
    await recorder.tick();
  }
}

describe('the lab charts, read from /metrics each second', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts every 5xx of checkout as a rate per second, and no other status or route', async () => {
    const scrapes: Scrape[] = [
      new Map([['storefront', checkouts(0, 0, '502')]]),
      new Map([['storefront', checkouts(4, 2, '502')]]),
      new Map([['storefront', checkouts(8, 2, '502')]]),
    ];
    const recorder = new SignalRecorder({
      namespace: 'test',
      scrapeAll: async () => scrapes.shift() ?? new Map(),
    });
    await tickEachSecond(recorder, 3);
    const red = recorder.view('silent')?.charts.find((chart) => chart.id === 'checkout-red');
    expect(red?.series.map((series) => [series.label, series.values])).toEqual([
      ['checkouts answered', [6, 4]],
      ['5xx answers', [2, 0]],
    ]);
  });

  it('leaves 4xx answers out of the 5xx series', async () => {
    const scrapes: Scrape[] = [
      new Map([['storefront', checkouts(0, 0, '402')]]),
      new Map([['storefront', checkouts(4, 3, '402')]]),
    ];
    const recorder = new SignalRecorder({
      namespace: 'test',
      scrapeAll: async () => scrapes.shift() ?? new Map(),
    });
    for (let tick = 0; tick < 2; tick++) await recorder.tick();
    const red = recorder.view('silent')?.charts.find((chart) => chart.id === 'checkout-red');
    expect(red?.series.map((series) => series.values[0] ?? Number.NaN).map((value) => value > 0)).toEqual([
      true,
      false,
    ]);
  });
});
