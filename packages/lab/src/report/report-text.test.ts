import { describe, expect, it } from 'vitest';
import type { LabReport, PhaseReport } from './report';
import { formatValue, headlineLines, repairText, spansText } from './report-text';

const phase = (login: number, errors: number): PhaseReport =>
  ({
    hypothesis: {
      passed: false,
      probes: [
        {
          name: 'login p95',
          value: login,
          unit: 'ms',
          tolerance: '≤ 500 ms',
          passed: false,
          headline: 'login p95 during the storm',
        },
        {
          name: 'login errors',
          value: errors,
          unit: 'share',
          tolerance: '≤ 1%',
          passed: false,
          headline: 'logins that failed',
        },
        { name: 'no double charge', value: 0, unit: 'count', tolerance: '≤ 0', passed: true },
      ],
    },
  }) as unknown as PhaseReport;

describe('the report’s headline', () => {
  it('opens with the lesson in plain words and units, broken → fixed, headline probes only', () => {
    const report = {
      phases: { broken: phase(18_081.3, 0.816), fixed: phase(51.3, 0) },
    } as unknown as LabReport;
    expect(headlineLines(report)).toEqual([
      'login p95 during the storm: 18.1 s broken → 51.3 ms fixed',
      'logins that failed: 81.6% broken → 0% fixed',
    ]);
  });

  it('names the phases as the scenario does when nothing is broken (smoke: run 1, run 2)', () => {
    const report = {
      phases: { broken: phase(80, 0), fixed: phase(75, 0) },
      phaseNames: { broken: 'run 1', fixed: 'run 2' },
    } as unknown as LabReport;
    expect(headlineLines(report)).toEqual([
      'login p95 during the storm: 80 ms run 1 → 75 ms run 2',
      'logins that failed: 0% run 1 → 0% run 2',
    ]);
  });

  it('says "no answer" for a latency that never came', () => {
    expect(formatValue(Number.POSITIVE_INFINITY, 'ms')).toBe('no answer');
    expect(formatValue(154, 'count')).toBe('154');
  });
});

describe('the report’s accounts of the repair and the spans', () => {
  it('counts the PENDING orders the shop settled itself apart from the reconciler’s repairs', () => {
    const repaired = {
      repair: { invariantsBefore: {}, actions: { complete: 20 }, settledByShop: 1 },
    } as unknown as PhaseReport;
    expect(repairText('fixed', repaired)).toBe(
      "Repair after the fixed load: 20 `complete`; the shop itself settled 1 PENDING order meanwhile (storefront's relay or a late event) (invariants shown as before → after).",
    );
  });

  it('tells exported spans from dropped ones, summed over the services', () => {
    const spans = 'otel_sdk_processor_span_processed_total';
    const phase = {
      server: {
        storefront: { [spans]: 900, [`${spans}{error_type="queue_full"}`]: 7 },
        payments: { [spans]: 100, [`${spans}{error_type="TimeoutError"}`]: 2 },
      },
    } as unknown as PhaseReport;
    expect(spansText('broken', phase)).toMatch(
      /^Spans of phase broken: 1000 exported, 7 dropped because a service's span queue was full, 2 whose export failed/,
    );
    expect(spansText('fixed', { server: {} } as unknown as PhaseReport)).toBeUndefined();
  });
});
