import { SERVICE_NAMES } from '@incident-lab/config';
import { readOverlay, writeOverlay } from '@incident-lab/flags';
import { DRILL_CAUSES, DRILL_FAULTS, type ShopProcess } from '@incident-lab/scenarios';
import type { LabOptions } from '../settings/lab-options';
import { quietOwner } from './drill-plan';
import {
  alive,
  appendAction,
  type DrillAction,
  type DrillSecret,
  drillFiles,
  type HiddenFault,
  readSecret,
  writeSecret,
} from './drill-state';
import { cleanUpStaleDrill } from './run-drill';

/** A learner's action refused: no drill running, an unknown service or cause. Nothing is recorded. */
export class DrillActionError extends Error {
  override name = 'DrillActionError';
}

/** The running drill and its files; refuses when there is none. */
async function running(options: LabOptions) {
  const files = drillFiles(options);
  const secret = await readSecret(files, options.secrets.internalToken);
  if (!secret || !alive(secret.pid))
    throw new DrillActionError(
      'no drill is running in this lab: start one with `lab drill` (see lab drill --help)',
    );
  return { files, secret };
}

async function record(options: LabOptions, action: Omit<DrillAction, 'at'>): Promise<DrillAction> {
  const stamped = { at: new Date().toISOString(), ...action };
  await appendAction(drillFiles(options), stamped);
  return stamped;
}

/** `lab drill detect "…"`: the learner says something is wrong, and what they see. */
export async function detect(options: LabOptions, note: string): Promise<DrillAction> {
  await running(options);
  const text = note.trim();
  if (text === '') throw new DrillActionError('say what you see: lab drill detect "checkouts fail with 402"');
  if (text.length > 500) throw new DrillActionError('keep it under 500 characters');
  return record(options, {
    kind: 'detect',
    text,
    answer: 'Recorded. Now find where and why: lab drill diagnose --service <service> --cause <cause>',
  });
}

/** Where a learner may say a cause is: the shop's processes. */
export const DRILL_SERVICES: readonly ShopProcess[] = SERVICE_NAMES;

/** `lab drill diagnose --service S --cause C`: right when both name a fault not yet diagnosed. */
export async function diagnose(options: LabOptions, service: string, cause: string): Promise<DrillAction> {
  if (!DRILL_SERVICES.includes(service as ShopProcess))
    throw new DrillActionError(`--service must be one of ${DRILL_SERVICES.join(', ')}; got "${service}"`);
  if (!(cause in DRILL_CAUSES))
    throw new DrillActionError(
      `--cause must be one of ${Object.keys(DRILL_CAUSES).join(', ')}; got "${cause}"`,
    );
  const { files, secret } = await running(options);
  // Before anything is broken every diagnosis is a guess, and a guess is not a finding.
  const struck = Date.now() >= Date.parse(secret.faultAt);
  const match = secret.faults.find(
    (fault) =>
      struck && fault.service === service && fault.cause === cause && !secret.diagnosed.includes(fault.id),
  );
  if (match) {
    secret.diagnosed.push(match.id);
    await writeSecret(files, secret, options.secrets.internalToken);
  }
  const left = secret.faults.length - secret.diagnosed.length;
  return record(options, {
    kind: 'diagnose',
    text: `${service}: ${cause}`,
    right: match !== undefined,
    answer: match
      ? `Right: ${service}, ${DRILL_CAUSES[cause as keyof typeof DRILL_CAUSES]}.${left > 0 ? ` ${left} more to find.` : ''} Mitigate it, if you have not yet.`
      : 'Not that (it costs points). Look again at where the time or the errors start.',
  });
}

/** `lab drill hint`: the next hint of the first fault not yet diagnosed; each one costs points. */
export async function hint(options: LabOptions): Promise<DrillAction> {
  const { files, secret } = await running(options);
  const fault = secret.faults.find((each) => !secret.diagnosed.includes(each.id)) ?? secret.faults[0];
  const hints = DRILL_FAULTS.find((each) => each.id === fault?.id)?.hints ?? [];
  const given = secret.hintsGiven[fault?.id ?? ''] ?? 0;
  if (!fault || given >= hints.length)
    return record(options, { kind: 'hint', text: '', answer: 'No more hints: every one has been given.' });
  secret.hintsGiven[fault.id] = given + 1;
  await writeSecret(files, secret, options.secrets.internalToken);
  return record(options, {
    kind: 'hint',
    text: `hint ${given + 1} of ${hints.length}`,
    answer: hints[given] as string,
  });
}

/** What rolling a service back undoes: the releases it shipped, the settings quietly changed in it. */
function undoneBy(fault: HiddenFault, service: ShopProcess): string[] {
  const release = DRILL_FAULTS.find((each) => each.id === fault.id)?.mitigations.rollback === service;
  const keys = Object.keys(fault.hidden).filter(
    (key) =>
      (release && !(key in fault.quietlyOff)) || (key in fault.quietlyOff && quietOwner(fault) === service),
  );
  return keys;
}

/**
 * `lab drill rollback <service>`: the last release and settings of a service, undone. It ends what
 * a bad release or a quiet change of that service did; it does nothing about the world outside (a
 * provider's outage), and the learner is told only that the rollback is done.
 */
export async function rollback(options: LabOptions, service: string): Promise<DrillAction> {
  if (!DRILL_SERVICES.includes(service as ShopProcess))
    throw new DrillActionError(
      `name a service to roll back: one of ${DRILL_SERVICES.join(', ')}; got "${service}"`,
    );
  const { files, secret } = await running(options);
  await undo(options, secret, (fault) => undoneBy(fault, service as ShopProcess));
  secret.rolledBack.push(service as ShopProcess);
  await writeSecret(files, secret, options.secrets.internalToken);
  return record(options, {
    kind: 'rollback',
    text: service,
    answer: `${service} rolled back to its previous release and settings. Watch whether it helped.`,
  });
}

/** Takes flags out of the overlay (the services apply the flag file's variants again within a second). */
async function undo(options: LabOptions, secret: DrillSecret, keysOf: (fault: HiddenFault) => string[]) {
  const source = { file: drillFiles(options).overlay, secret: options.secrets.internalToken };
  const overlay = await readOverlay(source);
  if (!overlay) return;
  for (const fault of secret.faults) {
    for (const key of keysOf(fault)) {
      delete overlay.flags[key];
      delete fault.hidden[key];
    }
  }
  await writeOverlay(source, overlay);
}

/** `lab drill reveal`: the faults named, and the services show what they apply; the drill goes on. */
export async function reveal(options: LabOptions): Promise<{ action: DrillAction; secret: DrillSecret }> {
  const { files, secret } = await running(options);
  const source = { file: files.overlay, secret: options.secrets.internalToken };
  const overlay = await readOverlay(source);
  if (overlay) await writeOverlay(source, { ...overlay, revealed: true });
  secret.revealed = true;
  await writeSecret(files, secret, options.secrets.internalToken);
  const names = secret.faults.map((fault) => {
    const known = DRILL_FAULTS.find((each) => each.id === fault.id);
    return `${fault.id} (${fault.service}, ${fault.cause}): ${known?.title ?? ''}`;
  });
  const action = await record(options, { kind: 'reveal', text: '', answer: names.join('; ') });
  return { action, secret };
}

/**
 * `lab drill stop`: asks the running drill to end (it restores the flags and writes its report); a
 * drill whose process is gone is cleaned up here (flags back as before it). Returns the pid asked, or
 * undefined for a drill cleaned up.
 */
export async function stop(options: LabOptions): Promise<number | undefined> {
  if (await cleanUpStaleDrill(options)) return undefined;
  const { secret } = await running(options);
  await record(options, {
    kind: 'stop',
    text: '',
    answer: 'The drill ends: flags restored, report written.',
  });
  process.kill(secret.pid, 'SIGINT');
  return secret.pid;
}
