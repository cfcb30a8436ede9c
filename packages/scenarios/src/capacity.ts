import { EVERY_FIX } from './fixes';
import type { EndpointGroup } from './shop-load';

/**
 * `lab capacity`: how much plain demand the shop holds, and what it does beyond that. An open-model
 * load (arrivals at a rate, whatever the shop answers) of checkouts with logins and browsing steps
 * up until the objective breaks; the last step that kept it is the capacity. Then the shop is
 * offered twice and four times that for a while each, and half of it after: a shop that sheds what
 * it cannot serve keeps its goodput near capacity and is healthy again at once; one that queues
 * everything collapses, and its queue outlives the overload. Plain data, like the scenarios.
 */
export interface CapacityExperiment {
  name: string;
  title: string;
  summary: string;
  /** Each endpoint's share of the requests, whatever the total rate (they sum to 1). */
  mix: Partial<Record<EndpointGroup, number>>;
  /** What "served" means: a successful answer within `latencyMs`; errors other than shedding below `maxErrorShare`. */
  objective: {
    /** A step's p99 of successful requests stays at or under this; goodput counts answers within it. */
    latencyMs: number;
    maxErrorShare: number;
    /** Above this share of requests shed (503), the shop no longer serves what it is offered. */
    maxShedShare: number;
  };
  /** The search: from `startPerS`, each step `growth` times the last, `stepS` long, up to `maxPerS`. */
  stepUp: { startPerS: number; growth: number; stepS: number; maxPerS: number };
  /** Then, without a pause: each factor of the capacity for `stepS`, then `afterFactor` of it for `afterS`. */
  overload: { factors: number[]; stepS: number; afterFactor: number; afterS: number };
  /** A simulated user gives up after this long; nobody retries, so the offered load is exactly the arrivals. */
  clientTimeoutMs: number;
  /** The fixed shop's claims. */
  claims: {
    /** Goodput at the highest overload as a share of the capacity, at least. */
    goodputShareAtPeak: number;
    /** Seconds from the end of the overload until every second is healthy again, at most. */
    recoveryS: number;
  };
  /** A second is healthy when at least this share of its requests were served (recovery reads these). */
  healthySecondShare: number;
  phases: { broken: Record<string, string>; fixed: Record<string, string> };
}

export const capacity: CapacityExperiment = {
  name: 'capacity',
  title: 'Load held: the shop’s capacity, and what it does with two and four times as much',
  summary:
    'Open-model load (half checkouts, a third browsing, the rest logins; nobody retries) steps up until a step ' +
    'misses the objective (p99 of successful requests ≤ 1 s, errors other than shedding < 0.1 %, shed < 1 %): the ' +
    'last step that kept it is the capacity. Then 2× and 4× of it for a minute each, and 0.5× after. ' +
    'Broken: every fix off. Fixed: every fix on.',
  mix: { checkout: 0.5, products: 0.35, login: 0.15 },
  objective: { latencyMs: 1_000, maxErrorShare: 0.001, maxShedShare: 0.01 },
  stepUp: { startPerS: 10, growth: 1.3, stepS: 15, maxPerS: 400 },
  overload: { factors: [2, 4], stepS: 60, afterFactor: 0.5, afterS: 30 },
  clientTimeoutMs: 5_000,
  claims: { goodputShareAtPeak: 0.9, recoveryS: 10 },
  healthySecondShare: 0.95,
  phases: { broken: {}, fixed: EVERY_FIX },
};
