import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  copyShippedFlagFile,
  FlagError,
  learnerFlagFile,
  listFlags,
  parseAssignments,
  readFlagFile,
  SHIPPED_FLAG_FILE,
  setFlags,
  shippedVariants,
} from './flag-file';

let file: string;

beforeEach(async () => {
  file = await copyShippedFlagFile();
});

describe('the shipped flag file', () => {
  it('is valid flagd and says what every flag breaks or fixes', async () => {
    const flags = listFlags(await readFlagFile(SHIPPED_FLAG_FILE));
    expect(flags.length).toBeGreaterThan(0);
    for (const flag of flags) {
      expect(flag.description.length, flag.key).toBeGreaterThan(20);
      expect(['fault', 'fix', 'behaviour'], flag.key).toContain(flag.kind);
      expect(flag.variants, flag.key).toHaveProperty(flag.variant);
    }
  });
});

describe("a lab's own flag file", () => {
  it('is a copy of the shipped file at first, and keeps the choices made in it', async () => {
    const mine = path.join(await mkdtemp(path.join(tmpdir(), 'lab-mine-')), 'lab', 'flags.json');
    learnerFlagFile(mine);
    expect(await readFile(mine, 'utf8')).toBe(await readFile(SHIPPED_FLAG_FILE, 'utf8'));
    await setFlags(mine, { outbox: 'on' });
    learnerFlagFile(mine);
    expect((await readFlagFile(mine)).flags.outbox?.defaultVariant).toBe('on');
  });

  it('follows the shipped file: a flag the lab gained appears, a gone one and an unknown variant go', async () => {
    const mine = path.join(await mkdtemp(path.join(tmpdir(), 'lab-mine-')), 'flags.json');
    const old = await readFlagFile(SHIPPED_FLAG_FILE);
    delete old.flags.outbox;
    old.flags['a-flag-since-removed'] = structuredClone(old.flags['provider-outage'] as never);
    (old.flags['provider-outage'] as { defaultVariant: string }).defaultVariant = 'on';
    (old.flags['retry-policy'] as { defaultVariant: string }).defaultVariant = 'sometimes';
    await writeFile(mine, JSON.stringify(old));
    const flags = (await readFlagFile(learnerFlagFile(mine))).flags;
    expect(Object.keys(flags).sort()).toEqual(Object.keys(shippedVariants()).sort());
    expect(flags['provider-outage']?.defaultVariant).toBe('on');
    expect(flags['retry-policy']?.defaultVariant).toBe(shippedVariants()['retry-policy']);
  });

  it('starts again from the shipped file when a person broke it by hand', async () => {
    const mine = path.join(await mkdtemp(path.join(tmpdir(), 'lab-mine-')), 'flags.json');
    await writeFile(mine, '{ "flags": ');
    expect(await readFile(learnerFlagFile(mine), 'utf8')).toBe(await readFile(SHIPPED_FLAG_FILE, 'utf8'));
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
