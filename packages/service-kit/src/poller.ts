/** A loop of runs, one at a time; `stop()` ends it and waits for the run under way. */
export interface Poller {
  stop(): Promise<void>;
}

/**
 * Runs `work` now and then again `intervalMs` after each run ends, never two at once. A run that
 * throws is reported to `onError` and the loop goes on: a relay must outlive a lost connection.
 */
export function poll(
  work: () => Promise<unknown>,
  intervalMs: number,
  onError: (error: unknown) => void,
  firstDelayMs = 0,
): Poller {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const tick = () => {
    running = work()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  timer = setTimeout(tick, firstDelayMs);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
