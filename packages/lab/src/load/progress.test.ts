import { describe, expect, it } from 'vitest';
import { progressLine } from './progress';

const progress = (elapsedS: number) => ({ elapsedS, totalS: 23, requests: 100, failed: 4, inFlight: 7 });

describe('the status line of a run', () => {
  it('counts the act’s seconds, and never past its end: then it says what it is waiting for', () => {
    expect(progressLine('broken/report-storm', progress(11.4), [])).toMatch(
      /^\[broken\/report-storm\]\s+11\/23 s\s/,
    );
    const late = progressLine('broken/report-storm', progress(36), []);
    expect(late).toContain('23/23 s (load sent, waiting for answers)');
    expect(late).toContain('7 in flight');
    expect(late).not.toContain('36/23');
  });
});
