/**
 * How a trace is laid out, shared by the console's waterfall and the report's static one: spans in
 * tree order with their depth, and two traces' rows aligned by service and operation.
 */
export interface LayoutSpan {
  spanId: string;
  parentSpanId?: string;
  service: string;
  name: string;
  startMs: number;
}

export interface SpanRow<S extends LayoutSpan = LayoutSpan> {
  span: S;
  depth: number;
}

/** Spans in tree order (parents before children, siblings by start), with their depth. */
export function spanTree<S extends LayoutSpan>(spans: S[]): Array<SpanRow<S>> {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string, S[]>();
  const roots: S[] = [];
  for (const span of spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId)) {
      children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
    } else roots.push(span);
  }
  const rows: Array<SpanRow<S>> = [];
  const visit = (span: S, depth: number) => {
    rows.push({ span, depth });
    for (const child of (children.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs)) {
      visit(child, depth + 1);
    }
  };
  for (const root of roots.sort((a, b) => a.startMs - b.startMs)) visit(root, 0);
  return rows;
}

/** Service and operation: the identity two traces' spans are matched by (with how many came before). */
export function rowKey(row: SpanRow): string {
  return `${row.span.service} ${row.span.name}`;
}

/**
 * The rows of two traces paired: the n-th span of a service and operation in one trace beside the
 * n-th in the other, in the left trace's order, then what only the right trace has.
 */
export function alignRows<S extends LayoutSpan>(
  left: Array<SpanRow<S>>,
  right: Array<SpanRow<S>>,
): Array<[SpanRow<S> | undefined, SpanRow<S> | undefined]> {
  const numbered = (rows: Array<SpanRow<S>>) => {
    const seen = new Map<string, number>();
    return rows.map((row) => {
      const n = (seen.get(rowKey(row)) ?? 0) + 1;
      seen.set(rowKey(row), n);
      return [`${rowKey(row)}#${n}`, row] as const;
    });
  };
  const rightByKey = new Map(numbered(right));
  const pairs: Array<[SpanRow<S> | undefined, SpanRow<S> | undefined]> = [];
  for (const [id, row] of numbered(left)) {
    pairs.push([row, rightByKey.get(id)]);
    rightByKey.delete(id);
  }
  for (const row of rightByKey.values()) pairs.push([undefined, row]);
  return pairs;
}

/**
 * Where a bar's label goes, the bar at `left`% of its track and `width`% wide: right of it while
 * there is room, else left of it, else inside (a bar that fills the track).
 */
export function labelPlacement(left: number, width: number): 'right' | 'left' | 'inside' {
  if (left + width <= 65) return 'right';
  if (left >= 25) return 'left';
  return 'inside';
}
