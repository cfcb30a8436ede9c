import type { StoredLog } from '../otlp/telemetry-types';

/**
 * The last `capacity` log records of every service (sent over OTLP beside their traces), indexed by
 * trace id, so a trace's waterfall can show the lines its requests wrote: lab 3's swallowed error is
 * one click from its trace.
 */
export class LogStore {
  private readonly ring: Array<StoredLog | undefined>;
  private next = 0;
  private readonly byTrace = new Map<string, StoredLog[]>();

  constructor(readonly capacity = 20_000) {
    this.ring = new Array(capacity);
  }

  add(logs: StoredLog[]): void {
    for (const log of logs) {
      const old = this.ring[this.next];
      if (old?.traceId) {
        const lines = this.byTrace.get(old.traceId);
        lines?.splice(lines.indexOf(old), 1);
        if (lines?.length === 0) this.byTrace.delete(old.traceId);
      }
      this.ring[this.next] = log;
      this.next = (this.next + 1) % this.capacity;
      if (!log.traceId) continue;
      const lines = this.byTrace.get(log.traceId);
      if (lines) lines.push(log);
      else this.byTrace.set(log.traceId, [log]);
    }
  }

  forTrace(traceId: string): StoredLog[] {
    return [...(this.byTrace.get(traceId.toLowerCase()) ?? [])].sort((a, b) => a.timeMs - b.timeMs);
  }

  /** The newest lines at or above a level (`warn` gives warnings and errors), newest first. */
  recent(limit = 100, minLevel: 'info' | 'warn' | 'error' = 'info'): StoredLog[] {
    const rank = { trace: 0, debug: 1, info: 2, warn: 3, error: 4, fatal: 5 } as Record<string, number>;
    const result: StoredLog[] = [];
    for (let i = 1; i <= this.capacity && result.length < limit; i++) {
      const log = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!log) break;
      if ((rank[log.level] ?? 2) >= (rank[minLevel] ?? 2)) result.push(log);
    }
    return result;
  }
}
