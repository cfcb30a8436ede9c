import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type DrillOverlay, type FlagValue, openJson, readFlagFile, sealJson } from '@incident-lab/flags';
import type { ShopProcess } from '@incident-lab/scenarios';
import { drillDir, drillOverlayFile, drillStatusFile, type LabOptions } from '../settings/lab-options';

/**
 * A drill's files, in the lab's state folder (`.lab/<namespace>/drill/`):
 * - `secret`: what was hidden and when (sealed with the lab's internal token: `cat` spoils nothing);
 * - `overlay`: the hidden flags the services apply (`@incident-lab/flags`' drill overlay);
 * - `flags-before.json`: the lab's flag file as it was, put back when the drill ends however it ends;
 * - `actions.jsonl`: what the learner did, one line each (`lab drill detect|diagnose|hint|rollback`);
 * - `status.json`: what anyone may see of the running drill (the console's Drill page reads it).
 */
export interface DrillFiles {
  dir: string;
  secret: string;
  overlay: string;
  flagsBefore: string;
  actions: string;
  status: string;
}

export function drillFiles(options: Pick<LabOptions, 'stateDir'>): DrillFiles {
  const dir = drillDir(options);
  return {
    dir,
    secret: path.join(dir, 'secret'),
    overlay: drillOverlayFile(options),
    flagsBefore: path.join(dir, 'flags-before.json'),
    actions: path.join(dir, 'actions.jsonl'),
    status: drillStatusFile(options),
  };
}

/** One fault of a drill as the drill knows it: never shown while it runs. */
export interface HiddenFault {
  id: string;
  service: ShopProcess;
  cause: string;
  /** The flags held in force for it (the fault's, and at level 3 a fix turned off). */
  hidden: Record<string, string>;
  /** The fixes a level-3 drill turned off without showing it (rolling their owner back undoes it). */
  quietlyOff: Record<string, string>;
}

/** What a running drill is: who runs it, what it hid, and when. */
export interface DrillSecret {
  pid: number;
  seed: number;
  level: 1 | 2 | 3;
  startedAt: string;
  /** When the faults strike (ISO): the learner does not know it. */
  faultAt: string;
  faults: HiddenFault[];
  /** Every flag as the drill set it in the lab's flag file (the baseline the learner sees). */
  baseline: Record<string, string>;
  /** Hints given so far, per fault id. */
  hintsGiven: Record<string, number>;
  /** Faults diagnosed right, by id. */
  diagnosed: string[];
  /** Services rolled back. */
  rolledBack: ShopProcess[];
  revealed: boolean;
}

export type ActionKind = 'detect' | 'diagnose' | 'hint' | 'rollback' | 'flags' | 'reveal' | 'stop';

/** One thing the learner did, with the drill's answer. Points are filled in at the end. */
export interface DrillAction {
  at: string;
  kind: ActionKind;
  /** What the learner said or did, in their words (detect's note, diagnose's service and cause, …). */
  text: string;
  /** What the drill answered them. */
  answer: string;
  /** For a diagnosis: right or wrong. */
  right?: boolean;
}

/** What anyone may read while the drill runs: no fault, no start time of it. */
export interface DrillStatus {
  running: boolean;
  pid: number;
  seed: number;
  level: number;
  startedAt: string;
  /** Seconds since the drill started, at the last update. */
  elapsedS: number;
  updatedAt: string;
  /** Requests the drill's traffic sent, and how many failed, so far. */
  requests: number;
  failed: number;
  actions: DrillAction[];
  /** Where the report is, and the score, once the drill has ended. */
  report?: string;
  score?: number;
  /** The faults, once revealed or over. */
  revealed?: Array<{ id: string; title: string; service: string; cause: string }>;
}

/** The overlay that holds these flags in force, hidden: each variant with its value from the flag file. */
export async function hiddenOverlay(flagFile: string, hidden: Record<string, string>): Promise<DrillOverlay> {
  const flags = (await readFlagFile(flagFile)).flags;
  return {
    revealed: false,
    flags: Object.fromEntries(
      Object.entries(hidden).map(([key, variant]) => [
        key,
        { variant, value: flags[key]?.variants[variant] as FlagValue },
      ]),
    ),
  };
}

const PURPOSE = 'drill secret';

export async function writeSecret(files: DrillFiles, secret: DrillSecret, key: string): Promise<void> {
  await mkdir(files.dir, { recursive: true });
  await atomicWrite(files.secret, sealJson(secret, key, PURPOSE));
}

export async function readSecret(files: DrillFiles, key: string): Promise<DrillSecret | undefined> {
  const data = await readFile(files.secret).catch(() => undefined);
  return data ? openJson<DrillSecret>(data, key, PURPOSE) : undefined;
}

export async function appendAction(files: DrillFiles, action: DrillAction): Promise<void> {
  await appendFile(files.actions, `${JSON.stringify(action)}\n`);
}

export async function readActions(files: DrillFiles): Promise<DrillAction[]> {
  const text = await readFile(files.actions, 'utf8').catch(() => '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as DrillAction);
}

export async function writeStatus(files: DrillFiles, status: DrillStatus): Promise<void> {
  await atomicWrite(files.status, `${JSON.stringify(status, null, 2)}\n`);
}

export async function readStatus(files: DrillFiles): Promise<DrillStatus | undefined> {
  const text = await readFile(files.status, 'utf8').catch(() => undefined);
  return text ? (JSON.parse(text) as DrillStatus) : undefined;
}

/** Everything of a drill but its status (kept, so the console can show the last drill's end). */
export async function clearDrill(files: DrillFiles): Promise<void> {
  for (const file of [files.secret, files.overlay, files.flagsBefore, files.actions])
    await rm(file, { force: true });
}

async function atomicWrite(file: string, data: string | Buffer): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, data, { mode: 0o600 });
  await rename(temporary, file);
}

/** True while a process with this pid runs on this machine. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
