import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** The two secrets of one lab: never committed, made on first use, kept beside its state. */
export interface LabSecrets {
  /** Signs storefront's login sessions. */
  sessionSecret: string;
  /** What the services and the lab CLI show each other on internal routes. */
  internalToken: string;
}

const FILE = 'secrets.json';

/** A fresh pair: 256 random bits each. */
export function newSecrets(): LabSecrets {
  return {
    sessionSecret: randomBytes(32).toString('base64url'),
    internalToken: randomBytes(32).toString('base64url'),
  };
}

/**
 * The lab's secrets: `SESSION_SECRET` and `INTERNAL_TOKEN` from the environment when both are set
 * (a lab under docker compose, whose `.env` holds them), otherwise `<stateDir>/secrets.json`,
 * written (owner-only) on first use and read from then on, so a restarted lab keeps its sessions
 * and every CLI command of the same lab holds the same token.
 */
export function labSecrets(stateDir: string, env: NodeJS.ProcessEnv = process.env): LabSecrets {
  if (env.SESSION_SECRET && env.INTERNAL_TOKEN) {
    return { sessionSecret: env.SESSION_SECRET, internalToken: env.INTERNAL_TOKEN };
  }
  const file = path.join(stateDir, FILE);
  try {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Partial<LabSecrets>;
    if (stored.sessionSecret && stored.internalToken) {
      return { sessionSecret: stored.sessionSecret, internalToken: stored.internalToken };
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(
        `cannot read the lab's secrets in ${file} (delete it to make new ones): ${(error as Error).message}`,
      );
    }
  }
  const secrets = newSecrets();
  mkdirSync(stateDir, { recursive: true });
  // `wx`: when two commands start at once, one writes and the other reads what it wrote.
  try {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return labSecrets(stateDir, env);
    throw error;
  }
  return secrets;
}
