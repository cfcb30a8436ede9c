import { applyAssignments, DEFAULT_FLAG_FILE, readFlagFile } from '@incident-lab/flags';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios';

describe.each(Object.values(SCENARIOS))('scenario $name', (scenario) => {
  it('sets only flags that exist, to variants they have, in its faults and both phases', async () => {
    const flags = await readFlagFile(DEFAULT_FLAG_FILE);
    const acts = scenario.load.acts.map((act) => act.faults);
    for (const assignments of [scenario.faults, scenario.phases.broken, scenario.phases.fixed, ...acts]) {
      expect(() => applyAssignments(structuredClone(flags), assignments)).not.toThrow();
    }
  });

  it('drives some load and states a hypothesis with a probe for each claim', () => {
    for (const act of scenario.load.acts) {
      expect(
        Object.values(act.ratePerS).some((rate) => (rate ?? 0) > 0),
        act.name,
      ).toBe(true);
    }
    const acts = scenario.load.acts.map((act) => act.name);
    for (const probe of scenario.hypothesis) {
      if ('act' in probe.target && probe.target.act) expect(acts, probe.name).toContain(probe.target.act);
    }
    expect(scenario.hypothesis.length).toBeGreaterThan(0);
    expect(new Set(scenario.hypothesis.map((probe) => probe.name)).size).toBe(scenario.hypothesis.length);
  });
});
