import type { AdmissionRules, GatedPool } from '@incident-lab/db';
/**
 * Lab 1, `reports-bulkhead`: where the heavy sales report gets its database connection.
 */
export interface ReportPools {
  shared: GatedPool;
  reports: GatedPool;
  /** How the shared pool admits a request now (`db-pool-shedding`). */
  sharedRules: AdmissionRules;
}

/**
 * Broken: from the shared pool, like login. Twelve slow reports hold all ten connections, and login
 * (which does not touch the orders table) waits behind them.
 */
export function onSharedPool(pools: ReportPools): { pool: GatedPool; rules: AdmissionRules } {
  return { pool: pools.shared, rules: pools.sharedRules };
}

/**
 * Fixed: from a small pool of their own (`REPORTS_POOL_SIZE`, 2), small and impatient (2 may wait,
 * 0.5 s at most): a report storm fills the bulkhead and is refused there, and the shared pool stays
 * free for everything else.
 */
export function inBulkhead(pools: ReportPools): { pool: GatedPool; rules: AdmissionRules } {
  return { pool: pools.reports, rules: { maxWaiting: 2, acquireTimeoutMs: 500 } };
}

/** The lesson chosen by the `reports-bulkhead` flag's value. */
export const reportPool = (reportsBulkhead: boolean) => (reportsBulkhead ? inBulkhead : onSharedPool);
