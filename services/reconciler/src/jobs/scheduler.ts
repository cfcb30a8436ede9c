import { getMeter, type Logger } from '@incident-lab/telemetry';

/** Per-run overrides, for a run asked for by hand (`POST /jobs/reconcile/run?graceS=0`). */
export interface RunOptions {
  graceS?: number;
}

export interface JobRun {
  job: string;
  startedAt: string;
  finishedAt: string;
  outcome: 'ok' | 'failed';
  result?: unknown;
  error?: string;
}

/**
 * Runs a job every `intervalMs`, never two at once, and exports when it last succeeded and how its
 * runs ended: a job that quietly stops is only visible if it says when it last worked.
 */
export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<JobRun>;
  private stopped = false;
  private lastSuccessS?: number;
  last?: JobRun;
  private readonly runs = getMeter('jobs').createCounter('shop_job_runs', {
    description: 'Job runs by job and outcome.',
  });

  constructor(
    readonly job: string,
    private readonly work: (options: RunOptions) => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {
    // Both outcomes start at 0: "no failures yet" is a series, not an absence a query cannot see.
    for (const outcome of ['ok', 'failed']) this.runs.add(0, { shop_job: job, outcome });
    getMeter('jobs')
      .createObservableGauge('shop_job_last_success_timestamp_seconds', {
        description: "Unix time of the job's last successful run (absent until it first succeeds).",
      })
      .addCallback((result) => {
        if (this.lastSuccessS !== undefined) result.observe(this.lastSuccessS, { shop_job: job });
      });
  }

  start(): void {
    const tick = () => {
      void this.runNow().finally(() => {
        if (!this.stopped) this.timer = setTimeout(tick, this.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  /**
   * Runs the job now. A scheduled tick joins a run already under way; a run asked for with its own
   * options waits for the one under way and then runs with them, because the run under way may have
   * used other options (a grace that skips the orders the caller asked about).
   */
  runNow(options?: RunOptions): Promise<JobRun> {
    if (this.running && options) return this.running.then(() => this.runNow(options));
    this.running ??= this.execute(options ?? {}).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async execute(options: RunOptions): Promise<JobRun> {
    const startedAt = new Date().toISOString();
    try {
      const result = await this.work(options);
      this.lastSuccessS = Date.now() / 1000;
      this.runs.add(1, { shop_job: this.job, outcome: 'ok' });
      this.last = { job: this.job, startedAt, finishedAt: new Date().toISOString(), outcome: 'ok', result };
      this.logger.info({ job: this.job, result }, 'job run succeeded');
    } catch (error) {
      this.runs.add(1, { shop_job: this.job, outcome: 'failed' });
      this.last = {
        job: this.job,
        startedAt,
        finishedAt: new Date().toISOString(),
        outcome: 'failed',
        error: String(error),
      };
      this.logger.error({ job: this.job, err: error }, 'job run failed; next attempt at the next interval');
    }
    return this.last;
  }

  /** Stops scheduling runs and waits for the one under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
