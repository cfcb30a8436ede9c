import { describe, expect, it } from 'vitest';
import type { Sample } from '../clients/prometheus-text';
import { detect, type Observation } from './detector';

/** An observation of storefront's orders and payments' charge requests (finished, and under way). */
function observation(atMs: number, orders: number, finished: number, underWay: number): Observation {
  const metrics = new Map<string, Sample[]>([
    ['storefront', [{ name: 'shop_orders_created_total', labels: {}, value: orders }]],
    [
      'payments',
      [
        {
          name: 'http_server_request_duration_count',
          labels: { http_request_method: 'POST', http_route: '/payments', http_response_status_code: '201' },
          value: finished,
        },
        { name: 'http_server_active_requests', labels: { http_request_method: 'POST' }, value: underWay },
      ],
    ],
  ]);
  return { atMs, metrics, requests: [] };
}

const storefrontFindings = (before: Observation, now: Observation) =>
  detect(before, before, now).filter((finding) => finding.service === 'storefront');

describe("the learner's rule for a lost hand-off", () => {
  it('names storefront, a bad release, when orders are created that never reach payments', () => {
    expect(storefrontFindings(observation(0, 100, 100, 0), observation(20_000, 140, 128, 0))).toEqual([
      {
        service: 'storefront',
        atCause: true,
        cause: 'bad-release',
        signal: '12 of 40 orders never reached payments',
      },
    ]);
  });

  it('counts requests payments is still working on as reached: a slow provider is no lost hand-off', () => {
    expect(storefrontFindings(observation(0, 100, 100, 0), observation(20_000, 140, 112, 28))).toEqual([]);
  });

  it('takes a checkout or two between the two scrapes for what it is', () => {
    expect(storefrontFindings(observation(0, 100, 100, 0), observation(20_000, 140, 138, 0))).toEqual([]);
  });
});
