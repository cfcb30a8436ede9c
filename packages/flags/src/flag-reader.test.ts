import { afterAll, describe, expect, it } from 'vitest';
import { copyShippedFlagFile, setFlags } from './flag-file';
import { startFlags, startFlagsInMemory, stopFlags } from './flag-reader';

afterAll(() => stopFlags());

const DEFAULTS = {
  'provider-outage': true,
  'provider-fault-target': 'x' as 'primary' | 'backup' | 'both' | 'x',
};

describe('FlagReader on a flagd file (in-process OpenFeature provider)', () => {
  it('reads the file before it answers, and applies an edit within seconds, without a restart', async () => {
    const file = await copyShippedFlagFile();
    const flags = await startFlags('flag-reader-test', { file }, DEFAULTS);
    expect(flags.snapshot()).toEqual({ 'provider-outage': false, 'provider-fault-target': 'primary' });

    await setFlags(file, { 'provider-outage': 'on' });
    // The file is looked at each second and the snapshot refreshed each second: two, with slack.
    const deadline = Date.now() + 4_000;
    while (!flags.snapshot()['provider-outage'] && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(flags.snapshot()['provider-outage']).toBe(true);
    expect(flags.appliedVariants()).toMatchObject({ 'provider-outage': 'on' });
  });

  it('gives one unit of work one snapshot, below it too, whatever the flags do meanwhile', async () => {
    const memory = await startFlagsInMemory('flag-unit-test', DEFAULTS);
    const seen = await memory.flags.run(async (flags) => {
      memory.set({ 'provider-outage': 'on' });
      await new Promise((resolve) => setTimeout(resolve, 10));
      // Code that was not handed the snapshot (a shared database gate) asks for the unit's.
      return { handed: flags['provider-outage'], below: memory.flags.current()['provider-outage'] };
    });
    expect(seen).toEqual({ handed: false, below: false });
    // Outside any unit: what is applied now; the next unit takes the new state.
    expect(memory.flags.current()['provider-outage']).toBe(true);
    expect(memory.flags.run((flags) => flags['provider-outage'])).toBe(true);
  });

  it('keeps a snapshot as it was when the flags change after it was taken', async () => {
    const memory = await startFlagsInMemory('flag-snapshot-test', DEFAULTS);
    const before = memory.flags.snapshot();
    memory.set({ 'provider-outage': 'on' });
    expect(before['provider-outage']).toBe(false);
    expect(memory.flags.snapshot()['provider-outage']).toBe(true);
    expect(Object.isFrozen(before)).toBe(true);
    // A misspelt key does not compile (npm run typecheck fails without this marker).
    // @ts-expect-error: 'provider-outag' is not a declared flag
    expect(before['provider-outag']).toBeUndefined();
  });
});
