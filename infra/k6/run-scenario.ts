// Runs a lab scenario's load with k6: one constant-arrival-rate (open model) scenario per endpoint,
// thresholds from the scenario's latency and error probes. Act faults are set with `lab flags set`. Under docker compose:
//   docker compose --profile load run --rm k6 run -e SCENARIO=smoke run-scenario.ts
import { check } from 'k6';
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import type { EndpointGroup } from '../../packages/scenarios/src/scenario.ts';
import { arrivals } from '../../packages/scenarios/src/shop-load.ts';
import { call, loginAll } from './lib/shop.ts';
import { SCENARIOS } from './scenarios.ts';

const scenario = SCENARIOS[__ENV.SCENARIO ?? 'smoke'];
if (!scenario)
  throw new Error(`unknown SCENARIO "${__ENV.SCENARIO}"; known: ${Object.keys(SCENARIOS).join(', ')}`);

const thresholds: Record<string, string[]> = {};
for (const probe of scenario.hypothesis) {
  const target = probe.measure;
  const limit = 'atLeast' in probe ? probe.atLeast : probe.atMost;
  // `lab check` audits invariants, not k6; the other measures are `lab chaos`'s.
  if (target.kind !== 'latency' && target.kind !== 'errorRate' && target.kind !== 'successRate') continue;
  const tags = `{endpoint:${target.endpoint}${target.act ? `,act:${target.act}` : ''}}`;
  if (target.kind === 'latency') {
    thresholds[`http_req_duration${tags}`] = [`p(${target.percentile.slice(1)})<${limit}`];
  } else {
    const maxFailed = target.kind === 'errorRate' ? limit : 1 - limit;
    thresholds[`http_req_failed${tags}`] = [`rate<=${Math.round(maxFailed * 1000) / 1000}`];
  }
}

// The acts run one after the other, each endpoint of an act as its own open-model k6 scenario.
// Each iteration takes the next pick of the act's seeded sequence, the one `lab run` sends with the
// same seed (SEED, default 1), so "the same requests in both phases" holds under k6 too.
const seed = Number(__ENV.SEED ?? 1);
const k6Scenarios: NonNullable<Options['scenarios']> = {};
const picks: Record<string, number[]> = {};
let startS = 0;
for (const act of scenario.load.acts) {
  const durationS = Number(__ENV.DURATION ?? act.durationS);
  const sequence = arrivals(act.ratePerS, durationS, seed);
  for (const [endpoint, rate] of Object.entries(act.ratePerS)) {
    if (!rate) continue;
    picks[`${act.name}-${endpoint}`] = sequence
      .filter((each) => each.endpoint === endpoint)
      .map((each) => each.pick);
    k6Scenarios[`${act.name}-${endpoint}`] = {
      executor: 'constant-arrival-rate',
      rate: Math.round(rate * 10),
      timeUnit: '10s',
      startTime: `${startS}s`,
      duration: `${durationS}s`,
      preAllocatedVUs: 10,
      maxVUs: 300,
      exec: endpoint,
      tags: { act: act.name },
    };
  }
  startS += durationS;
}

export const options: Options = { scenarios: k6Scenarios, thresholds };

export function setup(): Record<string, string> {
  return loginAll();
}

function run(endpoint: EndpointGroup, tokens: Record<string, string>): void {
  const sequence = picks[exec.scenario.name] ?? [0];
  const pick = sequence[exec.scenario.iterationInTest % sequence.length] ?? 0;
  const response = call(
    endpoint,
    pick,
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
