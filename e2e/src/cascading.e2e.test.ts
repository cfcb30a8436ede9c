import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsMissingFrom } from './support/dashboards';
import { runLabCli, startTestLab, type TestLab } from './support/test-lab';

let lab: TestLab;
let report: {
  phases: Record<
    'broken' | 'fixed',
    {
      hypothesis: { passed: boolean };
      endpoints: Record<string, { latencyMs: { p95: number }; successRate: number; errorRate: number }>;
    }
  >;
};

beforeAll(async () => {
  lab = await startTestLab(4100);
  // A short cascading run: both acts, 8 s each, on the lab's 120 000 seeded orders.
  ({ report } = await runLabCli(lab, ['cascading', '--duration', '8', '--seed', '2'], 420_000));
}, 480_000);

afterAll(() => lab?.stop());

describe('lab run cascading (short), broken against fixed', () => {
  it('fails the hypothesis in the broken shop and holds it in the fixed one', () => {
    expect(report.phases.broken.hypothesis.passed).toBe(false);
    expect(report.phases.fixed.hypothesis.passed, JSON.stringify(report.phases.fixed.hypothesis)).toBe(true);
  });

  it('keeps login fast during the report storm only when fixed', () => {
    const login = (phase: 'broken' | 'fixed') => report.phases[phase].endpoints['report-storm:login'];
    expect(login('fixed')?.latencyMs.p95).toBeLessThan(login('broken')?.latencyMs.p95 ?? 0);
    expect(login('fixed')?.errorRate).toBeLessThan(0.01);
  });

  it('keeps checkout working through the provider outage only when fixed (failover to the backup)', () => {
    const checkout = (phase: 'broken' | 'fixed') =>
      report.phases[phase].endpoints['provider-outage:checkout'];
    expect(checkout('broken')?.successRate).toBeLessThanOrEqual(0.5);
    expect(checkout('fixed')?.successRate).toBeGreaterThanOrEqual(0.99);
  });

  it('exports every metric the "Lab 1 — Cascading failures" dashboard queries', async () => {
    const urls = lab.lab.services.map((service) => service.url);
    expect(await metricsMissingFrom(urls, 'lab-1-cascading')).toEqual([]);
  });
});
