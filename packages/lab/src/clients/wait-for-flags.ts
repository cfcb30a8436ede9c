import { setTimeout as sleep } from 'node:timers/promises';
import type { FlagState } from '@incident-lab/flags';
import type { ServiceProcess } from '../settings/services';

/** The variants a service applies now; undefined when it cannot be asked (down, restarting). */
async function appliedVariants(url: string): Promise<Record<string, string> | undefined> {
  try {
    const response = await fetch(`${url}/health/flags`, { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) return undefined;
    return ((await response.json()) as { flags: Record<string, string> }).flags;
  } catch {
    return undefined;
  }
}

/**
 * Waits until every service that applies one of these flags shows the new variant on
 * `/health/flags`: a file edit is not a change in force until the services have read it. A service
 * that cannot be asked has applied nothing yet: it is waited for, not counted as done.
 */
export async function waitForFlags(
  services: ServiceProcess[],
  changed: FlagState[],
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const lagging: string[] = [];
    for (const service of services) {
      const applied = await appliedVariants(service.url);
      if (!applied) {
        if (changed.length > 0) lagging.push(`${service.name}: not answering at ${service.url}/health/flags`);
        continue;
      }
      for (const flag of changed) {
        const variant = applied[flag.key];
        if (variant !== undefined && variant !== flag.variant) {
          lagging.push(`${service.name}: ${flag.key} is ${variant}, want ${flag.variant}`);
        }
      }
    }
    if (lagging.length === 0) return;
    if (Date.now() > deadline) throw new Error(`flags not applied in time:\n  ${lagging.join('\n  ')}`);
    await sleep(250);
  }
}
