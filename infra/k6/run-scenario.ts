// Runs a lab scenario's load with k6: one constant-arrival-rate (open model) scenario per endpoint,
// thresholds from the scenario's latency and error probes. Under docker compose:
//   docker compose --profile load run --rm k6 run -e SCENARIO=smoke run-scenario.ts
import { check } from 'k6';
import type { Options } from 'k6/options';
import type { EndpointGroup } from '../../packages/scenarios/src/scenario.ts';
import { call, loginAll } from './lib/shop.ts';
import { SCENARIOS } from './scenarios.ts';

const scenario = SCENARIOS[__ENV.SCENARIO ?? 'smoke'];
if (!scenario)
  throw new Error(`unknown SCENARIO "${__ENV.SCENARIO}"; known: ${Object.keys(SCENARIOS).join(', ')}`);
const durationS = Number(__ENV.DURATION ?? scenario.load.durationS);

const thresholds: Record<string, string[]> = {};
for (const probe of scenario.hypothesis) {
  const target = probe.target;
  if (target.kind === 'latency') {
    thresholds[`http_req_duration{endpoint:${target.endpoint}}`] = [
      `p(${target.percentile.slice(1)})<${probe.tolerance}`,
    ];
  } else if (target.kind === 'errorRate') {
    thresholds[`http_req_failed{endpoint:${target.endpoint}}`] = [`rate<=${probe.tolerance}`];
  } else if (target.kind === 'successRate') {
    thresholds[`http_req_failed{endpoint:${target.endpoint}}`] = [
      `rate<=${Math.round((1 - probe.tolerance) * 1000) / 1000}`,
    ];
  }
}

export const options: Options = {
  scenarios: Object.fromEntries(
    Object.entries(scenario.load.ratePerS)
      .filter(([, rate]) => (rate ?? 0) > 0)
      .map(([endpoint, rate]) => [
        endpoint,
        {
          executor: 'constant-arrival-rate',
          rate: Math.round((rate ?? 0) * 10),
          timeUnit: '10s',
          duration: `${durationS}s`,
          preAllocatedVUs: 10,
          maxVUs: 300,
          exec: endpoint,
        },
      ]),
  ),
  thresholds,
};

export function setup(): Record<string, string> {
  return loginAll();
}

function run(endpoint: EndpointGroup, tokens: Record<string, string>): void {
  const response = call(
    endpoint,
    tokens,
    scenario?.load.clientTimeoutMs ?? 5000,
    scenario?.load.client ?? { onFailure: 'give-up' },
  );
  check(response, { [`${endpoint} succeeded`]: (r) => r.status >= 200 && r.status < 300 });
}

export const login = (tokens: Record<string, string>) => run('login', tokens);
export const products = (tokens: Record<string, string>) => run('products', tokens);
export const checkout = (tokens: Record<string, string>) => run('checkout', tokens);
export const report = (tokens: Record<string, string>) => run('report', tokens);
