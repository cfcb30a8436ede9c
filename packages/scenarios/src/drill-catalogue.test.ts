import { readFlagFile, SHIPPED_FLAG_FILE } from '@incident-lab/flags';
import { describe, expect, it } from 'vitest';
import { DRILL_CAUSES, DRILL_FAULTS, FIX_OWNER, NOT_DRILLED } from './drill-catalogue';

describe("the game day's catalogue", () => {
  it('has every fault of the lab, or says why one is not drilled', async () => {
    const flags = (await readFlagFile(SHIPPED_FLAG_FILE)).flags;
    const faults = Object.entries(flags)
      .filter(([, flag]) => flag.metadata.kind === 'fault')
      .map(([key]) => key);
    const drilled = new Set(DRILL_FAULTS.flatMap((fault) => Object.keys(fault.hidden)));
    const missing = faults.filter((key) => !drilled.has(key) && !(key in NOT_DRILLED));
    expect(missing, 'fault flags neither drilled nor explained in NOT_DRILLED').toEqual([]);
  });

  it('hides only flags that exist, at variants they have, and is ended by fixes that exist', async () => {
    const flags = (await readFlagFile(SHIPPED_FLAG_FILE)).flags;
    for (const fault of DRILL_FAULTS) {
      for (const [key, variant] of Object.entries(fault.hidden))
        expect(flags[key]?.variants, `${fault.id}: ${key}=${variant}`).toHaveProperty(variant);
      for (const set of fault.mitigations.fixes)
        for (const [key, variant] of Object.entries(set))
          expect(flags[key]?.variants, `${fault.id} is ended by ${key}=${variant}`).toHaveProperty(variant);
      expect(fault.mitigations.fixes.length > 0 || fault.mitigations.rollback, fault.id).toBeTruthy();
      expect(Object.keys(DRILL_CAUSES), fault.id).toContain(fault.cause);
      expect(fault.hints.length, `${fault.id} has hints`).toBeGreaterThanOrEqual(2);
      expect(fault.hypothesis.length, `${fault.id} states how recovery is judged`).toBeGreaterThan(0);
    }
    expect(new Set(DRILL_FAULTS.map((fault) => fault.id)).size).toBe(DRILL_FAULTS.length);
  });

  it('knows which service owns each fix, so a rollback can undo a quiet change', async () => {
    const flags = (await readFlagFile(SHIPPED_FLAG_FILE)).flags;
    const fixes = Object.entries(flags)
      .filter(([, flag]) => flag.metadata.kind === 'fix')
      .map(([key]) => key)
      .sort();
    expect(Object.keys(FIX_OWNER).sort()).toEqual(fixes);
  });
});
