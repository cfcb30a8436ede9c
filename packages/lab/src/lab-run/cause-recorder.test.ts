import { describe, expect, it } from 'vitest';
import { actSecond } from './cause-recorder';

describe('the causes’ time axis', () => {
  // Two 20 s acts; the shop took 150 s to settle between them.
  const acts = [
    { startMs: 1_000_000, offsetS: 0, durationS: 20 },
    { startMs: 1_000_000 + 170_000, offsetS: 20, durationS: 20 },
  ];

  it('counts the acts’ load only, as the requests’ timeline does, so act boundaries line up', () => {
    expect(actSecond(acts, 1_000_000 + 5_000)).toBe(5);
    expect(actSecond(acts, 1_000_000 + 170_000 + 5_000)).toBe(25);
  });

  it('leaves out the pause between acts and the time after the last', () => {
    expect(actSecond(acts, 1_000_000 + 60_000)).toBeUndefined();
    expect(actSecond(acts, 1_000_000 + 230_000)).toBeUndefined();
  });
});
