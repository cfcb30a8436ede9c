import { afterAll, describe, expect, it } from 'vitest';
import { copyDefaultFlagFile, setFlags } from './flag-file';
import { startFlags, stopFlags } from './flag-reader';

afterAll(() => stopFlags());

describe('FlagReader on a flagd file (in-process OpenFeature provider)', () => {
  it('reads the file, and applies an edit without a restart', async () => {
    const file = await copyDefaultFlagFile();
    const flags = await startFlags(
      'flag-reader-test',
      { file },
      { 'provider-outage': true, 'provider-fault-target': 'x' },
    );
    expect(await flags.bool('provider-outage')).toBe(false);
    expect(await flags.string('provider-fault-target')).toBe('primary');

    await setFlags(file, { 'provider-outage': 'on' });
    const deadline = Date.now() + 12_000;
    while (!(await flags.bool('provider-outage')) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await flags.bool('provider-outage')).toBe(true);
  });
});
