import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FlagValue } from './flag-file';

/**
 * What a game day (`lab drill`) puts in force without showing it: flags the services apply while
 * every surface a learner reads (the flag file, `/health/flags`, `lab_flag_variant`, the
 * `feature_flag.evaluation` span events) keeps showing the flag file's variants, until the drill
 * reveals them. The overlay is a file beside the lab's state, sealed with a key derived from the
 * lab's internal token, so `cat` does not spoil the game (a learner who decrypts it has only cheated).
 */
export interface DrillOverlay {
  flags: Record<string, { variant: string; value: FlagValue }>;
  /** Shown for what they are: the drill is over, or the trainer asked (`lab drill reveal`). */
  revealed: boolean;
}

/** Where a service finds the overlay and how it opens it (`LAB_DRILL_OVERLAY` and the internal token). */
export interface OverlaySource {
  file: string;
  secret: string;
}

const NONCE = 12;
const TAG = 16;

/** A key per purpose, from the lab's secret: the overlay and the drill's own notes never share one. */
function key(secret: string, purpose: string): Buffer {
  return createHash('sha256').update(`incident-lab ${purpose}\0`).update(secret).digest();
}

/** Any JSON value sealed with AES-256-GCM: nonce, tag, then the ciphertext. */
export function sealJson(value: unknown, secret: string, purpose: string): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key(secret, purpose), nonce);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), sealed]);
}

/** The value, or undefined when the bytes were not sealed with this secret for this purpose. */
export function openJson<T>(data: Buffer, secret: string, purpose: string): T | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key(secret, purpose), data.subarray(0, NONCE));
    decipher.setAuthTag(data.subarray(NONCE, NONCE + TAG));
    const json = Buffer.concat([decipher.update(data.subarray(NONCE + TAG)), decipher.final()]);
    return JSON.parse(json.toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

export function sealOverlay(overlay: DrillOverlay, secret: string): Buffer {
  return sealJson(overlay, secret, 'drill overlay');
}

/** The overlay, or undefined when the bytes are not one sealed with this secret. */
export function openOverlay(data: Buffer, secret: string): DrillOverlay | undefined {
  const overlay = openJson<DrillOverlay>(data, secret, 'drill overlay');
  return typeof overlay?.flags === 'object' && overlay.flags !== null ? overlay : undefined;
}

/** Writes the overlay atomically: a service polling it never reads half a file. */
export async function writeOverlay(source: OverlaySource, overlay: DrillOverlay): Promise<void> {
  await mkdir(path.dirname(source.file), { recursive: true });
  const temporary = `${source.file}.${process.pid}.tmp`;
  await writeFile(temporary, sealOverlay(overlay, source.secret), { mode: 0o600 });
  await rename(temporary, source.file);
}

export async function readOverlay(source: OverlaySource): Promise<DrillOverlay | undefined> {
  const data = await readFile(source.file).catch(() => undefined);
  return data ? openOverlay(data, source.secret) : undefined;
}

export async function removeOverlay(source: OverlaySource): Promise<void> {
  await rm(source.file, { force: true });
}
