import { describe, expect, it } from 'vitest';
import { ladderHtml, ladderMarkdown } from './render-ladder';
import type { LabReport, LadderRung } from './report';

const rung = (name: string, loginMs: number, passed: boolean): LadderRung =>
  ({
    name,
    served: 400,
    hypothesis: {
      passed,
      probes: [
        {
          name: 'login p95 under 500 ms',
          headline: 'login p95 during the storm',
          value: loginMs,
          unit: 'ms',
          tolerance: '≤ 500 ms',
          passed,
        },
      ],
    },
  }) as LadderRung;

const report = {
  lab: 'cascading',
  seed: 7,
  load: { acts: [{ name: 'report-storm', durationS: 20 }] },
  ladder: [
    rung('none (broken)', 18_060, false),
    rung('reports-bulkhead=on', 100, true),
    rung('all fixes', 70.7, true),
  ],
} as unknown as LabReport;

describe('the fix ladder in the report', () => {
  it('tables each rung with its probes in their units, and says how to rerun it', () => {
    const markdown = ladderMarkdown(report);
    expect(markdown).toContain('| `reports-bulkhead=on` alone | ✓ 100 ms | 400 | holds |');
    expect(markdown).toContain('| none (broken) | ✗ 18.1 s | 400 | fails |');
    expect(markdown).toContain('`npx lab run cascading --ladder --seed 7`');
  });

  it('draws a bar per rung for each headline probe, coloured by its verdict', () => {
    const html = ladderHtml(report);
    const bars = [...html.matchAll(/<rect class="bar"[^>]*fill="([^"]+)"><title>([^<]+)</g)].map(
      ([, fill, title]) => [title, fill],
    );
    expect(bars).toEqual([
      ['none (broken): 18.1 s', '#D55E00'],
      ['reports-bulkhead=on: 100 ms', '#0072B2'],
      ['all fixes: 70.7 ms', '#0072B2'],
    ]);
  });

  it('says what the repair after the load did, since the verdicts are read after it', () => {
    const repaired = {
      ...report,
      ladder: [
        { ...rung('none (broken)', 18_060, false), repairs: {} },
        { ...rung('reconciler-repair=on', 100, true), repairs: { 'refund-duplicate': 157, complete: 0 } },
      ],
    } as LabReport;
    const markdown = ladderMarkdown(repaired);
    expect(markdown).toContain('| repairs in the pass after the load |');
    expect(markdown).toContain(
      '| `reconciler-repair=on` alone | ✓ 100 ms | 157 `refund-duplicate` | 400 | holds |',
    );
    expect(markdown).toContain('| none (broken) | ✗ 18.1 s | none | 400 | fails |');
  });

  it('is absent from a report without a ladder', () => {
    expect(ladderHtml({ ...report, ladder: undefined })).toBe('');
  });
});
