import type { AttributeValue, StoredSpan } from '../otlp/telemetry-types';

/** One line of the trace list: what a search shows before a trace is opened. */
export interface TraceSummary {
  traceId: string;
  /** The root's service and name (the earliest span when the root has not arrived). */
  service: string;
  name: string;
  startMs: number;
  durationMs: number;
  spanCount: number;
  services: string[];
  error: boolean;
  /** The root's HTTP answer (`http.response.status_code`), when the root is a request. */
  status?: number;
  /**
   * Work nobody asked for: no request and no message in it (a relay's poll, a gauge's count, a job
   * run that found nothing), hidden from a search unless asked for.
   */
  background: boolean;
}

export interface TraceQuery {
  service?: string;
  /** A substring of any span's name, e.g. `POST /api/login` or `db.pool.acquire`. */
  operation?: string;
  /** The trace's own duration, first start to last end. */
  minDurationMs?: number;
  error?: boolean;
  /** A trace id or its beginning, as the reports and logs print it. */
  traceId?: string;
  /** Any span carries this attribute with this value (`shop.order.id`, `shop.idempotency.key`, `shop.payment.reference`). */
  attribute?: { key: string; value: string };
  /** Only traces that started within this window (epoch ms). */
  fromMs?: number;
  toMs?: number;
  limit?: number;
  /** Background work too (`true`), or only it (`'only'`); left out by default. */
  background?: boolean | 'only';
}

/**
 * The last `capacity` spans, kept in arrival order in a ring: when it is full, the oldest span is
 * evicted, so memory stays bounded however long the lab runs. Spans are indexed by trace, which is
 * what every read wants; a search walks the traces, newest first.
 */
export class SpanStore {
  private readonly ring: Array<StoredSpan | undefined>;
  private next = 0;
  private readonly traces = new Map<string, StoredSpan[]>();
  /** Spans taken in and evicted since start, for the console's own status line. */
  received = 0;
  evicted = 0;

  constructor(readonly capacity = 50_000) {
    this.ring = new Array(capacity);
  }

  get size(): number {
    return Math.min(this.received, this.capacity);
  }

  add(spans: StoredSpan[]): void {
    for (const span of spans) {
      const old = this.ring[this.next];
      if (old) this.evict(old);
      this.ring[this.next] = span;
      this.next = (this.next + 1) % this.capacity;
      this.received += 1;
      const trace = this.traces.get(span.traceId);
      if (trace) trace.push(span);
      else this.traces.set(span.traceId, [span]);
    }
  }

  private evict(span: StoredSpan): void {
    this.evicted += 1;
    const trace = this.traces.get(span.traceId);
    if (!trace) return;
    const index = trace.indexOf(span);
    if (index >= 0) trace.splice(index, 1);
    if (trace.length === 0) this.traces.delete(span.traceId);
  }

  /** A trace's spans in start order; an id prefix of at least 8 characters finds it too. */
  trace(traceId: string): StoredSpan[] {
    const id = traceId.toLowerCase();
    let spans = this.traces.get(id);
    if (!spans && id.length >= 8) {
      for (const [key, value] of this.traces) {
        if (key.startsWith(id)) {
          spans = value;
          break;
        }
      }
    }
    return [...(spans ?? [])].sort((a, b) => a.startMs - b.startMs);
  }

  /**
   * The newest traces that match, newest first by when they started. Maps iterate in insertion
   * order (a trace's first span to arrive), which is nearly start order: the walk goes backwards
   * and looks a little further than `limit`, so a trace whose first span came late still sorts in.
   */
  search(query: TraceQuery = {}): TraceSummary[] {
    const limit = query.limit ?? 50;
    const found: TraceSummary[] = [];
    const traces = [...this.traces.values()];
    for (let i = traces.length - 1; i >= 0 && found.length < limit * 2; i--) {
      const spans = traces[i] as StoredSpan[];
      const summary = summarise(spans);
      if (matches(summary, spans, query)) found.push(summary);
    }
    return found.sort((a, b) => b.startMs - a.startMs).slice(0, limit);
  }
}

function summarise(spans: StoredSpan[]): TraceSummary {
  const ids = new Set(spans.map((span) => span.spanId));
  let root = spans[0] as StoredSpan;
  let start = Infinity;
  let end = -Infinity;
  for (const span of spans) {
    start = Math.min(start, span.startMs);
    end = Math.max(end, span.startMs + span.durationMs);
    const isRoot = !span.parentSpanId || !ids.has(span.parentSpanId);
    const rootIsRoot = !root.parentSpanId || !ids.has(root.parentSpanId);
    if ((isRoot && !rootIsRoot) || (isRoot === rootIsRoot && span.startMs < root.startMs)) root = span;
  }
  const status = root.attributes['http.response.status_code'];
  return {
    traceId: root.traceId,
    service: root.service,
    name: root.name,
    startMs: start,
    durationMs: end - start,
    spanCount: spans.length,
    services: [...new Set(spans.map((span) => span.service))],
    error: spans.some((span) => span.status === 'error'),
    ...(typeof status === 'number' ? { status } : {}),
    background: !spans.some((span) => span.kind === 'server' || span.kind === 'consumer'),
  };
}

function matches(summary: TraceSummary, spans: StoredSpan[], query: TraceQuery): boolean {
  if (query.background === 'only' ? !summary.background : !query.background && summary.background)
    return false;
  if (query.traceId && !summary.traceId.startsWith(query.traceId.toLowerCase())) return false;
  if (query.service && !summary.services.includes(query.service)) return false;
  if (query.minDurationMs !== undefined && summary.durationMs < query.minDurationMs) return false;
  if (query.error !== undefined && summary.error !== query.error) return false;
  if (query.fromMs !== undefined && summary.startMs < query.fromMs) return false;
  if (query.toMs !== undefined && summary.startMs > query.toMs) return false;
  if (query.operation) {
    const wanted = query.operation.toLowerCase();
    if (!spans.some((span) => span.name.toLowerCase().includes(wanted))) return false;
  }
  if (query.attribute) {
    const { key, value } = query.attribute;
    const has = (attributes: Record<string, AttributeValue>) =>
      key in attributes && String(attributes[key]) === value;
    if (!spans.some((span) => has(span.attributes) || span.events.some((event) => has(event.attributes)))) {
      return false;
    }
  }
  return true;
}
