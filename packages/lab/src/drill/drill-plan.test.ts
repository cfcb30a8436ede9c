import { shippedVariants } from '@incident-lab/flags';
import { DRILL_FAULTS, EVERY_FIX } from '@incident-lab/scenarios';
import { describe, expect, it } from 'vitest';
import { DrillChoiceError, planDrill } from './drill-plan';

const shipped = shippedVariants();
const ids = (plan: ReturnType<typeof planDrill>) => plan.faults.map((each) => each.fault.id);

describe('planDrill: what a seed and a level make', () => {
  it('gives a class the same drill for the same seed, and other drills for other seeds', () => {
    const once = planDrill({ seed: 7, level: 1 }, shipped);
    expect(planDrill({ seed: 7, level: 1 }, shipped)).toEqual(once);
    const drawn = new Set(
      Array.from({ length: 40 }, (_, seed) => ids(planDrill({ seed, level: 1 }, shipped))[0]),
    );
    // Forty seeds draw most of the catalogue, not one fault over and over.
    expect(drawn.size).toBeGreaterThanOrEqual(DRILL_FAULTS.length - 2);
    for (let seed = 0; seed < 40; seed++) {
      const { delayS } = planDrill({ seed, level: 1 }, shipped);
      expect(delayS).toBeGreaterThanOrEqual(60);
      expect(delayS).toBeLessThanOrEqual(180);
    }
  });

  it('level 1: one fault on the shop as shipped', () => {
    const plan = planDrill({ seed: 3, level: 1 }, shipped);
    expect(plan.faults).toHaveLength(1);
    expect(plan.baseline).toEqual(shipped);
  });

  it('level 2: two faults in two services, sharing no flag', () => {
    for (let seed = 0; seed < 30; seed++) {
      const [first, second] = planDrill({ seed, level: 2 }, shipped).faults;
      expect(first?.fault.service).not.toBe(second?.fault.service);
      const shared = Object.keys(first?.hidden.hidden ?? {}).filter(
        (key) => key in (second?.hidden.hidden ?? {}),
      );
      expect(shared).toEqual([]);
    }
  });

  it('level 3: every fix on in sight, and the ones that would absorb the fault quietly off', () => {
    const plan = planDrill({ seed: 5, level: 3, fault: 'primary-slow' }, shipped);
    expect(plan.baseline).toMatchObject(EVERY_FIX);
    const [drawn] = plan.faults;
    const fixes = Object.keys(Object.assign({}, ...(drawn?.fault.mitigations.fixes ?? [])));
    expect(fixes.length).toBeGreaterThan(0);
    for (const fix of fixes) expect(drawn?.hidden.quietlyOff[fix]).toBe(shipped[fix]);
  });

  it('refuses, naming the problem: an unknown fault, a level outside 1–3, a fault no fix absorbs at level 3', () => {
    expect(() => planDrill({ seed: 1, level: 1, fault: 'nope' }, shipped)).toThrow(
      /no fault "nope".*primary-down/,
    );
    expect(() => planDrill({ seed: 1, level: 4 as 1 }, shipped)).toThrow(DrillChoiceError);
    expect(() => planDrill({ seed: 1, level: 3, fault: 'job-failing' }, shipped)).toThrow(
      /cannot be drawn at level 3/,
    );
  });
});
