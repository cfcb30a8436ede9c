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

describe("the learner's rule for a catalogue cache that cannot be written", () => {
  const cache = (atMs: number, refused: number, mispriced: number): Observation => ({
    atMs,
    requests: [],
    metrics: new Map<string, Sample[]>([
      [
        'storefront',
        [
          {
            name: 'db_client_operation_duration_count',
            labels: { db_system_name: 'redis', db_operation_name: 'HGETALL' },
            value: 500,
          },
          {
            name: 'db_client_operation_duration_count',
            labels: { db_system_name: 'redis', db_operation_name: 'EVAL', error_type: 'ERR' },
            value: refused,
          },
          { name: 'shop_orders_mispriced_total', labels: { direction: 'under' }, value: mispriced },
        ],
      ],
    ]),
  });

  it("names storefront's changed setting from its failed Redis calls, and the orders they cost", () => {
    expect(storefrontFindings(cache(0, 0, 0), cache(20_000, 3, 7))).toEqual([
      {
        service: 'storefront',
        atCause: true,
        cause: 'config-changed',
        signal: "3 of storefront's Redis calls failed (ERR)",
      },
      {
        service: 'storefront',
        atCause: false,
        signal: '7 paid orders charged a price the catalogue no longer had',
      },
    ]);
  });

  it('stays quiet while Redis answers every call and prices are right', () => {
    expect(storefrontFindings(cache(0, 2, 1), cache(20_000, 2, 1))).toEqual([]);
  });
});
