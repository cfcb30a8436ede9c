import { applyAssignments, DEFAULT_FLAG_FILE, readFlagFile } from '@incident-lab/flags';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios';

describe.each(Object.values(SCENARIOS))('scenario $name', (scenario) => {
  it('sets only flags that exist, to variants they have, in its faults and both phases', async () => {
    const flags = await readFlagFile(DEFAULT_FLAG_FILE);
    for (const assignments of [scenario.faults, scenario.phases.broken, scenario.phases.fixed]) {
      expect(() => applyAssignments(structuredClone(flags), assignments)).not.toThrow();
    }
  });

  it('drives some load and states a hypothesis with a probe for each claim', () => {
    expect(Object.values(scenario.load.ratePerS).some((rate) => (rate ?? 0) > 0)).toBe(true);
    expect(scenario.hypothesis.length).toBeGreaterThan(0);
    expect(new Set(scenario.hypothesis.map((probe) => probe.name)).size).toBe(scenario.hypothesis.length);
  });
});
