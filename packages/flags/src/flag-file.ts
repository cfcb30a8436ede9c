import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { copyFile, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlagdCore } from '@openfeature/flagd-core';

export type FlagValue = boolean | number | string;

/** One flag as flagd stores it; `metadata.description` says what it breaks or fixes. */
export interface FlagDefinition {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, FlagValue>;
  defaultVariant: string;
  metadata: { description: string; kind: 'fault' | 'fix' | 'behaviour'; lab: string };
}

export interface FlagFile {
  $schema?: string;
  flags: Record<string, FlagDefinition>;
}

export interface FlagState {
  key: string;
  variant: string;
  value: FlagValue;
  variants: Record<string, FlagValue>;
  description: string;
  kind: string;
  lab: string;
}

/**
 * The flag file shipped with the lab: every flag, what it breaks or fixes, and its shipped variant
 * (every fault off, every fix off). The lab never writes it: a learner's flags live in a copy of
 * their lab's (`learnerFlagFile`), so "as shipped" always means what the repository says, whatever a
 * learner left on. A service started on its own, outside `lab up`, reads it.
 */
export const SHIPPED_FLAG_FILE = path.resolve(__dirname, '../../../infra/flagd/flags.json');

/** A private copy of the shipped flag file, so a test can flip flags without touching the learner's. */
export async function copyShippedFlagFile(): Promise<string> {
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'lab-flags-')), 'flags.json');
  await copyFile(SHIPPED_FLAG_FILE, file);
  return file;
}

/**
 * The learner's flag file at `file`, made from the shipped one the first time; afterwards brought in
 * step with it (a flag added to the lab appears with its shipped variant, a removed one goes, a
 * variant that no longer exists falls back to the shipped one), keeping every choice the learner
 * made. Synchronous, so the CLI's options can name it before anything starts.
 */
export function learnerFlagFile(file: string): string {
  const shipped = JSON.parse(readFileSync(SHIPPED_FLAG_FILE, 'utf8')) as FlagFile;
  const before = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  let mine: FlagFile | undefined;
  try {
    mine = before === undefined ? undefined : (JSON.parse(before) as FlagFile);
  } catch {
    mine = undefined; // a file a person broke by hand: start again from the shipped one
  }
  const merged: FlagFile = structuredClone(shipped);
  for (const [key, flag] of Object.entries(merged.flags)) {
    const chosen = mine?.flags?.[key]?.defaultVariant;
    if (chosen !== undefined && chosen in flag.variants) flag.defaultVariant = chosen;
  }
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  if (text !== before) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}.tmp`, text);
    renameSync(`${file}.${process.pid}.tmp`, file);
  }
  return file;
}

/** Each flag's shipped variant, by key: what "broken as shipped" and "every fault off" mean. */
export function shippedVariants(): Record<string, string> {
  const shipped = JSON.parse(readFileSync(SHIPPED_FLAG_FILE, 'utf8')) as FlagFile;
  return Object.fromEntries(Object.entries(shipped.flags).map(([key, flag]) => [key, flag.defaultVariant]));
}

/** Refused flag edits, with a message that lists what would have been accepted. */
export class FlagError extends Error {
  override name = 'FlagError';
}

export async function readFlagFile(file: string): Promise<FlagFile> {
  const text = await readFile(file, 'utf8');
  // flagd's own parser and schema: a file it would reject is rejected here too.
  new FlagdCore().setConfigurations(text);
  return JSON.parse(text) as FlagFile;
}

export function listFlags(flagFile: FlagFile): FlagState[] {
  return Object.entries(flagFile.flags).map(([key, flag]) => ({
    key,
    variant: flag.defaultVariant,
    value: flag.variants[flag.defaultVariant] as FlagValue,
    variants: flag.variants,
    description: flag.metadata.description,
    kind: flag.metadata.kind,
    lab: flag.metadata.lab,
  }));
}

function describeVariants(flag: FlagDefinition): string {
  return Object.entries(flag.variants)
    .map(([name, value]) => (String(value) === name ? name : `${name} (${value})`))
    .join(', ');
}

/** Finds the variant a user meant: by its name, or by its value written as text. */
function findVariant(key: string, flag: FlagDefinition, wanted: string): string {
  if (wanted in flag.variants) return wanted;
  const byValue = Object.entries(flag.variants).find(([, value]) => String(value) === wanted);
  if (byValue) return byValue[0];
  throw new FlagError(`"${wanted}" is not a variant of ${key}; valid: ${describeVariants(flag)}`);
}

/** Sets each `key=value` as its flag's default variant; throws before changing anything if one is invalid. */
export function applyAssignments(flagFile: FlagFile, assignments: Record<string, string>): FlagFile {
  const variants: Record<string, string> = {};
  for (const [key, wanted] of Object.entries(assignments)) {
    const flag = flagFile.flags[key];
    if (!flag) {
      throw new FlagError(
        `unknown flag "${key}"; valid flags: ${Object.keys(flagFile.flags).sort().join(', ')}`,
      );
    }
    variants[key] = findVariant(key, flag, wanted);
  }
  for (const [key, variant] of Object.entries(variants))
    (flagFile.flags[key] as FlagDefinition).defaultVariant = variant;
  return flagFile;
}

/**
 * Applies `key=value` assignments to the flag file and writes it atomically, so the flagd provider
 * polling it never reads half a file. Nothing is written unless every assignment is valid.
 */
export async function setFlags(file: string, assignments: Record<string, string>): Promise<FlagState[]> {
  const flagFile = applyAssignments(await readFlagFile(file), assignments);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(flagFile, null, 2)}\n`);
  await rename(temporary, file);
  return listFlags(flagFile).filter((state) => state.key in assignments);
}

/** Parses `key=value` words from the command line. */
export function parseAssignments(words: string[]): Record<string, string> {
  const assignments: Record<string, string> = {};
  // `a=b,c=d`, `a=b, c=d` and `a=b c=d` all mean the same; an empty piece (a trailing comma) is nothing.
  for (const word of words.flatMap((w) => w.split(',')).filter((piece) => piece.trim() !== '')) {
    const match = /^([\w.-]+)=(.+)$/.exec(word.trim());
    if (!match) throw new FlagError(`"${word}" is not key=value`);
    assignments[match[1] as string] = match[2] as string;
  }
  return assignments;
}
