import { applyAssignments, readFlagFile, SHIPPED_FLAG_FILE } from '@incident-lab/flags';
import { describe, expect, it } from 'vitest';
import { chaos } from './chaos';
import { SCENARIOS } from './scenarios';

describe.each(Object.values(SCENARIOS))('scenario $name', (scenario) => {
  it('sets only flags that exist, to variants they have, in its faults and both phases', async () => {
    const flags = await readFlagFile(SHIPPED_FLAG_FILE);
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
    for (const { name, measure: target } of scenario.hypothesis) {
      if (target.kind === 'invariant') continue;
      expect(['latency', 'errorRate', 'successRate'], `${name} measures what lab run reads`).toContain(
        target.kind,
      );
      if (!('endpoint' in target)) continue;
      // With several acts, results are kept per act: a probe must say which act it reads.
      if (acts.length > 1) expect(target.act, `${name} names its act`).toBeDefined();
      const act = scenario.load.acts.find((each) => each.name === (target.act ?? acts[0]));
      expect(act, name).toBeDefined();
      expect(
        act?.ratePerS[target.endpoint] ?? 0,
        `${name}: the act sends ${target.endpoint} requests`,
      ).toBeGreaterThan(0);
    }
    expect(scenario.hypothesis.length).toBeGreaterThan(0);
    expect(new Set(scenario.hypothesis.map((probe) => probe.name)).size).toBe(scenario.hypothesis.length);
  });
});

describe('the chaos experiment', () => {
  it('sets only flags that exist, to variants they have, and turns every fix flag of the lab on in its fixed phase', async () => {
    const flags = await readFlagFile(SHIPPED_FLAG_FILE);
    for (const assignments of [chaos.shop, chaos.phases.broken, chaos.phases.fixed]) {
      expect(() => applyAssignments(structuredClone(flags), assignments)).not.toThrow();
    }
    const fixes = Object.entries(flags.flags)
      .filter(([, flag]) => flag.metadata.kind === 'fix')
      .map(([key]) => key)
      .sort();
    expect(Object.keys(chaos.phases.fixed).sort()).toEqual(fixes);
    // Broken is every one of them as shipped: a fix the shipped file turned on would teach nothing.
    for (const key of fixes) expect(flags.flags[key]?.defaultVariant, key).not.toBe(chaos.phases.fixed[key]);
  });
});
