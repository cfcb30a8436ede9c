import { ENDPOINT_GROUPS, type EndpointGroup } from '@incident-lab/scenarios';
import { seededRandom } from './random';

export interface Arrival {
  /** Milliseconds after the phase's load starts. */
  atMs: number;
  endpoint: EndpointGroup;
  /** Picks the user and the basket: fixed by the seed, so both phases send the same requests. */
  pick: number;
}

/**
 * The open-model request sequence: Poisson arrivals per endpoint at its rate, independent of how
 * fast the shop answers. Same seed and rates give the same sequence in every phase.
 */
export function arrivals(
  ratePerS: Partial<Record<EndpointGroup, number>>,
  totalS: number,
  seed: number,
): Arrival[] {
  const all: Arrival[] = [];
  ENDPOINT_GROUPS.forEach((endpoint, index) => {
    const rate = ratePerS[endpoint] ?? 0;
    if (rate <= 0) return;
    const random = seededRandom(seed * 31 + index);
    for (let atMs = 0; ; ) {
      atMs += (-Math.log(1 - random()) / rate) * 1000;
      if (atMs >= totalS * 1000) break;
      all.push({ atMs, endpoint, pick: Math.floor(random() * 1_000_000) });
    }
  });
  return all.sort((a, b) => a.atMs - b.atMs);
}

/** Scales every endpoint's rate so that together they make `totalPerS`, keeping the mix. */
export function scaleRates(
  ratePerS: Partial<Record<EndpointGroup, number>>,
  totalPerS: number,
): Partial<Record<EndpointGroup, number>> {
  const sum = Object.values(ratePerS).reduce((total: number, rate) => total + (rate ?? 0), 0);
  if (sum === 0) return ratePerS;
  return Object.fromEntries(
    Object.entries(ratePerS).map(([endpoint, rate]) => [endpoint, ((rate ?? 0) * totalPerS) / sum]),
  );
}
