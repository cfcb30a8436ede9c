import type { AdmissionRules } from '@incident-lab/db';
/**
 * Lab 1, `db-pool-shedding`: what a request does when every connection of the shared pool is busy.
 * Login, products, checkout (and, without the bulkhead, reports) share ten connections; during a
 * report storm they are all held by reports.
 */

/**
 * Broken: wait in line, however long the line and however long the wait. Logins queue behind
 * reports, time out at the client, are retried, and the line grows: the cascade.
 */
export function waitInLine(): AdmissionRules {
  return {};
}

/**
 * Fixed: a short line (10) and a deadline (1 s). A request that cannot get a connection soon is
 * refused at once with 503 and `Retry-After` (load shedding): it costs the pool nothing, and the
 * client learns when to come back instead of piling on.
 */
export function shedLoad(): AdmissionRules {
  return { maxWaiting: 10, acquireTimeoutMs: 1_000 };
}

/** The lesson chosen by the `db-pool-shedding` flag's value. */
export const sharedPoolAdmission = (dbPoolShedding: boolean) => (dbPoolShedding ? shedLoad : waitInLine)();
