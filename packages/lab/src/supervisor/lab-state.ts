import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceState } from './supervisor';

/**
 * What a running lab says about itself, in its state folder (`.lab/<namespace>/`, git-ignored):
 * the supervisor's pid and each service's process, restarts and readiness. `lab status` and
 * `lab chaos` read it from other processes.
 */
export interface LabState {
  supervisorPid: number;
  startedAt: string;
  services: ServiceState[];
}

const FILE = 'processes.json';

export async function writeLabState(stateDir: string, state: LabState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  // Written aside and renamed, so a reader never sees half a file.
  const temporary = path.join(stateDir, `${FILE}.${process.pid}.tmp`);
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, path.join(stateDir, FILE));
}

/** The running lab's state, or undefined when no supervisor of this lab is alive. */
export async function readLabState(stateDir: string): Promise<LabState | undefined> {
  let state: LabState;
  try {
    state = JSON.parse(await readFile(path.join(stateDir, FILE), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
  return isAlive(state.supervisorPid) ? state : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
