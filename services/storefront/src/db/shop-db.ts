import {
  type AdmissionRules,
  GatedPool,
  isStatementTimeout,
  isTransientDbError,
  type Pool,
  type PoolConnection,
  type RefusalReason,
  type ServerFlavour,
  transaction,
} from '@incident-lab/db';
import type { FlagReader } from '@incident-lab/flags';
import { AppError } from '@incident-lab/service-kit';
import type { STOREFRONT_FLAGS } from '../flags';
import { sharedPoolAdmission } from '../lessons/db-pool-shedding';
import { reportStatement } from '../lessons/db-query-timeout';
import { reportPool } from '../lessons/reports-bulkhead';

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
 * What a consumer should put back rather than count towards the dead-letter queue: the database out
 * of reach just now, or no connection free because the shared pool is shedding load. A settlement
 * shed during a storm is work for later, not a poison message (`lab capacity` found 519 parked after
 * an overload before this).
 */
export function isTransientFailure(error: unknown): boolean {
  return isTransientDbError(error) || (error instanceof AppError && error.code === 'overloaded');
}

/**
 * Storefront's database access, where the cascading lab's three database lessons are applied: every
 * request goes through a gated pool, admitted as `lessons/db-pool-shedding.ts` says; the report takes
 * its connection where `lessons/reports-bulkhead.ts` says and runs as `lessons/db-query-timeout.ts`
 * says. Every query goes by the flags of the unit of work it belongs to (`flags.current()`: the
 * request, message or relay pass running it, `FlagReader.run`), so one checkout never runs under two
 * flag states, even when a flag flips while it waits for a connection.
 */
export class ShopDb {
  readonly shared: GatedPool;
  readonly reports: GatedPool;

  constructor(
    pools: { shared: Pool; sharedSize: number; reports: Pool; reportsSize: number },
    private readonly flags: FlagReader<typeof STOREFRONT_FLAGS>,
    private readonly flavour: ServerFlavour,
    /** The sales report's server-side time cap when `db-query-timeout` is on. */
    private readonly reportTimeoutMs = 2_000,
  ) {
    this.shared = new GatedPool('shared', pools.shared, pools.sharedSize, overloaded);
    this.reports = new GatedPool('reports', pools.reports, pools.reportsSize, overloaded);
  }

  /** The flags of the unit of work asking (its snapshot, taken when it began). */
  private get now() {
    return this.flags.current();
  }

  private sharedRules(): AdmissionRules {
    const flags = this.now;
    return sharedPoolAdmission(flags['db-pool-shedding']);
  }

  async query<T>(sql: string, values?: unknown[]): Promise<T> {
    return this.shared.withConnection(this.sharedRules(), async (connection) => {
      const [rows] = await connection.query(sql, values);
      return rows as T;
    });
  }

  async transaction<T>(work: (connection: PoolConnection) => Promise<T>): Promise<T> {
    return this.shared.withConnection(this.sharedRules(), (connection) => transaction(connection, work));
  }

  /** The heavy report: on the shared pool (broken) or in its own bulkhead (fixed), capped or not. */
  async reportQuery<T>(sql: string): Promise<T> {
    const flags = this.now;
    const { pool, rules } = reportPool(flags['reports-bulkhead'])({
      shared: this.shared,
      reports: this.reports,
      sharedRules: this.sharedRules(),
    });
    const statement = reportStatement(flags['db-query-timeout'])({
      sql,
      timeoutMs: this.reportTimeoutMs,
      flavour: this.flavour,
    });
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
