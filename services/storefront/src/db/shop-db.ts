import {
  type AdmissionRules,
  GatedPool,
  isStatementTimeout,
  type Pool,
  type PoolConnection,
  type RefusalReason,
  type ServerFlavour,
  transaction,
  withStatementTimeout,
} from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { AppError } from '@incident-lab/service-kit';

/** Broken: wait for a connection however long it takes. Fixed: a short queue and a deadline. */
const UNBOUNDED: AdmissionRules = {};
const SHED: AdmissionRules = { maxWaiting: 10, acquireTimeoutMs: 1_000 };
/** The reports bulkhead is small and impatient: a report that cannot start soon is refused. */
const REPORTS_BULKHEAD: AdmissionRules = { maxWaiting: 2, acquireTimeoutMs: 500 };

function overloaded(reason: RefusalReason, pool: string): AppError {
  return new AppError({
    status: 503,
    code: 'overloaded',
    title: 'The shop is busy; try again shortly',
    detail: `No database connection was free in the ${pool} pool (${reason}).`,
    headers: { 'retry-after': '1' },
  });
}

/**
 * Storefront's database access, where the cascading lab's fixes live side by side with the broken
 * defaults: every request goes through a gated pool; `db-pool-shedding` bounds its queue,
 * `reports-bulkhead` gives reports their own small pool, `db-query-timeout` caps the report query.
 */
export class ShopDb {
  readonly shared: GatedPool;
  readonly reports: GatedPool;

  constructor(
    pools: { shared: Pool; sharedSize: number; reports: Pool; reportsSize: number },
    private readonly flags: FlagReader,
    private readonly flavour: ServerFlavour,
    /** The sales report's server-side time cap when `db-query-timeout` is on. */
    private readonly reportTimeoutMs = 2_000,
  ) {
    this.shared = new GatedPool('shared', pools.shared, pools.sharedSize, overloaded);
    this.reports = new GatedPool('reports', pools.reports, pools.reportsSize, overloaded);
  }

  private async sharedRules(): Promise<AdmissionRules> {
    return (await this.flags.bool('db-pool-shedding')) ? SHED : UNBOUNDED;
  }

  async query<T>(sql: string, values?: unknown[]): Promise<T> {
    return this.shared.withConnection(await this.sharedRules(), async (connection) => {
      const [rows] = await connection.query(sql, values);
      return rows as T;
    });
  }

  async transaction<T>(work: (connection: PoolConnection) => Promise<T>): Promise<T> {
    return this.shared.withConnection(await this.sharedRules(), (connection) =>
      transaction(connection, work),
    );
  }

  /** The heavy report: on the shared pool (broken) or in its own bulkhead (fixed), capped or not. */
  async reportQuery<T>(sql: string): Promise<T> {
    const [bulkhead, capped] = await Promise.all([
      this.flags.bool('reports-bulkhead'),
      this.flags.bool('db-query-timeout'),
    ]);
    const [pool, rules] = bulkhead
      ? [this.reports, REPORTS_BULKHEAD]
      : [this.shared, await this.sharedRules()];
    const statement = capped ? withStatementTimeout(sql, this.reportTimeoutMs, this.flavour) : sql;
    try {
      return await pool.withConnection(
        rules,
        async (connection) => (await connection.query(statement))[0] as T,
      );
    } catch (error) {
      if (!isStatementTimeout(error)) throw error;
      throw new AppError({
        status: 503,
        code: 'report-timeout',
        title: 'The report took too long and was stopped',
        detail: `The sales report query ran past ${this.reportTimeoutMs} ms; the database stopped it.`,
        headers: { 'retry-after': '5' },
        cause: error,
      });
    }
  }

  async end(): Promise<void> {
    await Promise.all([this.shared.end(), this.reports.end()]);
  }
}
