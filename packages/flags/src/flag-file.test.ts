import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  copyDefaultFlagFile,
  DEFAULT_FLAG_FILE,
  FlagError,
  listFlags,
  parseAssignments,
  readFlagFile,
  setFlags,
} from './flag-file';

let file: string;

beforeEach(async () => {
  file = await copyDefaultFlagFile();
});

describe('the shipped flag file', () => {
  it('is valid flagd and says what every flag breaks or fixes', async () => {
    const flags = listFlags(await readFlagFile(DEFAULT_FLAG_FILE));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) {
      expect(flag.description.length, flag.key).toBeGreaterThan(20);
      expect(['fault', 'fix', 'behaviour'], flag.key).toContain(flag.kind);
      expect(flag.variants, flag.key).toHaveProperty(flag.variant);
    }
  });
});

describe('setFlags', () => {
  it('sets a flag by variant name or by value', async () => {
    await setFlags(file, { 'provider-outage': 'on', 'provider-latency-ms': '3000' });
    const flags = Object.fromEntries(
      listFlags(await readFlagFile(file)).map((flag) => [flag.key, flag.value]),
    );
    expect(flags['provider-outage']).toBe(true);
    expect(flags['provider-latency-ms']).toBe(3000);
  });

  it('refuses an unknown key, listing the valid ones, and leaves the file untouched', async () => {
    const before = await readFile(file, 'utf8');
    const attempt = setFlags(file, { 'provider-outage': 'on', 'provider-outgae': 'on' });
    await expect(attempt).rejects.toThrow(FlagError);
    await expect(attempt).rejects.toThrow(/unknown flag "provider-outgae".*provider-outage/);
    expect(await readFile(file, 'utf8')).toBe(before);
  });

  it('refuses a value outside the variants, listing them', async () => {
    await expect(setFlags(file, { 'provider-latency-ms': '42' })).rejects.toThrow(
      /not a variant of provider-latency-ms; valid: none \(0\), slow \(800\)/,
    );
  });
});

describe('parseAssignments', () => {
  it('reads key=value words, also comma-separated', () => {
    expect(parseAssignments(['a=1,b=on', 'c=x'])).toEqual({ a: '1', b: 'on', c: 'x' });
  });

  it('names a word that is not key=value', () => {
    expect(() => parseAssignments(['provider-outage'])).toThrow(/"provider-outage" is not key=value/);
  });
});
