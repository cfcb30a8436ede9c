import { describe, expect, it } from 'vitest';
import { lineChart } from './svg-charts';

describe('lineChart', () => {
  it('breaks the line where there is no value, instead of drawing a slope across the gap', () => {
    // Logins succeeded at seconds 0–3 and 20–22 only; nothing succeeded between them.
    const points: Array<[number, number | null]> = [
      ...[0, 1, 2, 3].map((second): [number, number | null] => [second, 5_500]),
      ...Array.from({ length: 16 }, (_, i): [number, number | null] => [i + 4, null]),
      [20, 40],
      [21, 42],
      [22, null],
      [23, 38],
    ];
    const svg = lineChart('login p95', 'ms', [{ label: 'broken', colour: '#000', points }], { xMax: 24 });
    const lines = [...svg.matchAll(/<polyline[^>]* points="([^"]+)"/g)].map((match) => match[1]?.split(' '));
    expect(lines.map((line) => line?.length)).toEqual([4, 2]);
    // The lone second 23 is a dot, not joined to anything.
    expect(svg.match(/<circle class="series"/g)).toHaveLength(1);
  });
});
