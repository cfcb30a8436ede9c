import { createLogger } from '@incident-lab/telemetry';
import { describe, expect, it } from 'vitest';
import { type RunOptions, Scheduler } from './scheduler';

/** A job that records the options of each run and finishes only when told to. */
function gatedJob() {
  const runs: RunOptions[] = [];
  const finish: Array<() => void> = [];
  let concurrent = 0;
  let mostAtOnce = 0;
  const work = async (options: RunOptions) => {
    runs.push(options);
    concurrent += 1;
    mostAtOnce = Math.max(mostAtOnce, concurrent);
    await new Promise<void>((resolve) => finish.push(resolve));
    concurrent -= 1;
    return options;
  };
  return { runs, finish, work, mostAtOnce: () => mostAtOnce };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

describe('the job scheduler', () => {
  it('runs a requested run with its own options after the run under way, never two at once', async () => {
    const job = gatedJob();
    const scheduler = new Scheduler('reconcile', job.work, 60_000, createLogger('test'));
    const scheduled = scheduler.runNow(); // the timer's run, default grace
    const asked = scheduler.runNow({ graceS: 0 }); // the lab's run, all pending orders
    await until(() => job.runs.length === 1);
    job.finish.shift()?.();
    expect((await scheduled).result).toEqual({});
    await until(() => job.runs.length === 2);
    job.finish.shift()?.();
    expect((await asked).result).toEqual({ graceS: 0 });
    expect(job.mostAtOnce()).toBe(1);
  });

  it('lets a scheduled tick join the run under way', async () => {
    const job = gatedJob();
    const scheduler = new Scheduler('reconcile', job.work, 60_000, createLogger('test'));
    const first = scheduler.runNow({ graceS: 5 });
    const tick = scheduler.runNow();
    await until(() => job.runs.length === 1);
    job.finish.shift()?.();
    expect(await tick).toBe(await first);
    expect(job.runs).toEqual([{ graceS: 5 }]);
  });
});
