import { getMeter } from '@incident-lab/telemetry';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import type { Pool, PoolConnection } from 'mysql2/promise';

/** How long a request may wait for a connection, and how many may wait at once. */
export interface AdmissionRules {
  /** Waiting requests allowed; beyond it a request is refused at once. Unbounded when absent. */
  maxWaiting?: number;
  /** A request that waited this long for a connection is refused. Waits forever when absent. */
  acquireTimeoutMs?: number;
}

export type RefusalReason = 'queue-full' | 'acquire-timeout';

const tracer = trace.getTracer('db-pool');
const meter = getMeter('db-pool');
// The pool's metrics are OpenTelemetry's database client connection metrics
// (db.client.connection.*), so a dashboard built here reads any instrumented pool the same way.
const POOL_NAME = 'db.client.connection.pool.name';
const waitSeconds = meter.createHistogram('db.client.connection.wait_time', {
  description: 'Time a request waited for a pooled connection.',
  unit: 's',
  advice: { explicitBucketBoundaries: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] },
});
const timeouts = meter.createCounter('db.client.connection.timeouts', {
  description: 'Requests that gave up waiting for a pooled connection (acquire-timeout), by pool.',
  unit: '{timeout}',
});
// The lab's own: semconv has no name for a request turned away before it waits (queue-full).
const refused = meter.createCounter('shop.db_pool.refused_requests', {
  description: 'Requests refused a connection (shed) instead of waiting, by pool and error.type.',
  unit: '{request}',
});

/** Every open pool: one gauge per process reports them all, labelled by pool. */
const pools = new Set<GatedPool>();
const gauge = (
  name: string,
  description: string,
  unit: string,
  read: (pool: GatedPool) => number,
  attributes: Record<string, string> = {},
) =>
  meter.createObservableUpDownCounter(name, { description, unit }).addCallback((result) => {
    for (const pool of pools) result.observe(read(pool), { [POOL_NAME]: pool.name, ...attributes });
  });

/**
 * A mysql2 pool with a door in front of it. mysql2's own pool queues waiters without limit and
 * without a deadline, and its instrumentation shows queries but not that wait. Every connection
 * here is acquired inside a `db.pool.acquire` span, timed into the `db.client.connection.wait_time`
 * histogram, and,
 * when rules are given, refused early (`queue-full`) or after a deadline (`acquire-timeout`): load
 * shedding instead of parking requests.
 */
export class GatedPool {
  /** Connections lent out and requests waiting for one, as the gauges report them. */
  inUse = 0;
  waiting = 0;

  constructor(
    readonly name: string,
    readonly pool: Pool,
    readonly size: number,
    private readonly refuse: (reason: RefusalReason, pool: string) => Error,
  ) {
    pools.add(this);
  }

  private async acquire(rules: AdmissionRules): Promise<PoolConnection> {
    return tracer.startActiveSpan(
      'db.pool.acquire',
      { attributes: { [POOL_NAME]: this.name } },
      async (span) => {
        const started = performance.now();
        span.setAttribute('shop.db_pool.waiting_before', this.waiting);
        const refuse = (reason: RefusalReason) => {
          refused.add(1, { [POOL_NAME]: this.name, 'error.type': reason });
          if (reason === 'acquire-timeout') timeouts.add(1, { [POOL_NAME]: this.name });
          span.setAttribute('shop.db_pool.refused', reason);
          span.setStatus({ code: SpanStatusCode.ERROR, message: `connection refused: ${reason}` });
          span.end();
          return this.refuse(reason, this.name);
        };
        if (rules.maxWaiting !== undefined && this.inUse >= this.size && this.waiting >= rules.maxWaiting) {
          throw refuse('queue-full');
        }
        this.waiting++;
        const pending = this.pool.getConnection();
        let timer: NodeJS.Timeout | undefined;
        try {
          const connection = await (rules.acquireTimeoutMs === undefined
            ? pending
            : Promise.race([
                pending,
                new Promise<never>((_, reject) => {
                  timer = setTimeout(() => reject(new AcquireTimeout()), rules.acquireTimeoutMs);
                }),
              ]));
          this.inUse++;
          return connection;
        } catch (error) {
          if (!(error instanceof AcquireTimeout)) throw error;
          // The connection still comes, later: hand it straight back to the pool.
          void pending.then((late) => late.release()).catch(() => undefined);
          throw refuse('acquire-timeout');
        } finally {
          clearTimeout(timer);
          this.waiting--;
          const waitedS = (performance.now() - started) / 1000;
          waitSeconds.record(waitedS, { [POOL_NAME]: this.name });
          span.setAttribute('shop.db_pool.wait_ms', Math.round(waitedS * 1000));
          if (span.isRecording()) span.end();
        }
      },
    );
  }

  /** Runs `work` on a connection admitted under `rules`, and always gives it back. */
  async withConnection<T>(
    rules: AdmissionRules,
    work: (connection: PoolConnection) => Promise<T>,
  ): Promise<T> {
    const connection = await this.acquire(rules);
    try {
      return await work(connection);
    } finally {
      this.inUse--;
      connection.release();
    }
  }

  async end(): Promise<void> {
    pools.delete(this);
    await this.pool.end();
  }
}

class AcquireTimeout extends Error {}

// Only the `used` state: mysql2 does not say how many of the rest it has opened (idle) yet.
gauge(
  'db.client.connection.count',
  'Pooled connections lent out (state used), by pool.',
  '{connection}',
  (pool) => pool.inUse,
  { 'db.client.connection.state': 'used' },
);
gauge(
  'db.client.connection.pending_requests',
  'Requests waiting for a pooled connection, by pool.',
  '{request}',
  (pool) => pool.waiting,
);
gauge(
  'db.client.connection.max',
  'Connections the pool may open, by pool.',
  '{connection}',
  (pool) => pool.size,
);
