import type { LoadProgress } from './drive-load';
import { percentile, type RequestResult } from './stats';

/** One status line per second while load runs: phase, elapsed/total, requests/s, failures, p95 so far (measured window). */
export function progressLine(phase: string, progress: LoadProgress, results: RequestResult[]): string {
  const latencies = results.map((result) => result.latencyMs).sort((a, b) => a - b);
  const rate = progress.elapsedS > 0 ? progress.requests / progress.elapsedS : 0;
  // Past the act's end no new request goes out; what is left is waiting for answers still on their way.
  const clock = Math.min(progress.elapsedS, progress.totalS);
  const draining = progress.elapsedS > progress.totalS;
  return [
    `[${phase}]`,
    `${clock.toFixed(0).padStart(3)}/${progress.totalS.toFixed(0)} s${draining ? ' (load sent, waiting for answers)' : ''}`,
    `${rate.toFixed(1).padStart(6)} req/s`,
    `${String(progress.failed).padStart(5)} failed`,
    `p95 ${Math.round(percentile(latencies, 95)).toString().padStart(6)} ms`,
    `${String(progress.inFlight).padStart(4)} in flight`,
  ].join('  ');
}
