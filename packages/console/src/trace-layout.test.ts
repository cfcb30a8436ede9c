import { describe, expect, it } from 'vitest';
import { alignRows, spanTree } from './trace-layout';

const span = (
  spanId: string,
  name: string,
  startMs: number,
  parentSpanId?: string,
  service = 'storefront',
) => ({
  spanId,
  name,
  startMs,
  service,
  ...(parentSpanId ? { parentSpanId } : {}),
});

describe('trace layout', () => {
  it('puts children under their parent by start time, and spans whose parent is missing at the top', () => {
    const rows = spanTree([
      span('c', 'SELECT', 3, 'a'),
      span('a', 'POST /api/login', 1),
      span('b', 'db.pool.acquire', 2, 'a'),
      span('d', 'orphan', 0, 'gone'),
    ]);
    expect(rows.map((row) => `${'  '.repeat(row.depth)}${row.span.name}`)).toEqual([
      'orphan',
      'POST /api/login',
      '  db.pool.acquire',
      '  SELECT',
    ]);
  });

  it('pairs the n-th span of a service and operation in one trace with the n-th in the other', () => {
    const broken = spanTree([
      span('a', 'POST /api/login', 0),
      span('b', 'db.pool.acquire', 1, 'a'),
      span('c', 'SELECT', 9000, 'a'),
    ]);
    const fixed = spanTree([
      span('x', 'POST /api/login', 0),
      span('y', 'SELECT', 2, 'x'),
      span('z', 'SELECT', 4, 'x'),
    ]);
    const pairs = alignRows(broken, fixed).map(([left, right]) => [left?.span.spanId, right?.span.spanId]);
    expect(pairs).toEqual([
      ['a', 'x'],
      ['b', undefined],
      ['c', 'y'],
      [undefined, 'z'],
    ]);
  });
});
