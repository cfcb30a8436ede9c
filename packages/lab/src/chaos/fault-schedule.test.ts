import { chaos } from '@incident-lab/scenarios';
import { describe, expect, it } from 'vitest';
import { describeFault, faultSchedule } from './fault-schedule';

const full = { checkouts: 500, loadS: 100, seed: 1, brokerRestart: false };

describe('faultSchedule', () => {
  it('places every fault of a full run inside the load, the same for the same seed', () => {
    const schedule = faultSchedule(chaos, full);
    const counts: Record<string, number> = {};
    for (const { fault } of schedule) counts[describeFault(fault)] = (counts[describeFault(fault)] ?? 0) + 1;
    expect(counts).toEqual({
      'kill payments': 3,
      'kill provider-primary': 2,
      'kill invoicing': 2,
      'kill storefront': 1,
      'kill reconciler': 1,
      'kill-mysql-connections': 5,
      'close-amqp-connections': 3,
      'provider-outage 30 s': 1,
      'rolling-restart': 1,
    });
    expect(schedule.every(({ atS }) => atS >= 5 && atS <= 85)).toBe(true);
    expect(faultSchedule(chaos, full)).toEqual(schedule);
    expect(faultSchedule(chaos, { ...full, seed: 2 })).not.toEqual(schedule);
  });

  it('keeps the kills of one service apart, so each finds it running', () => {
    const kills = faultSchedule(chaos, full)
      .filter(({ fault }) => fault.kind === 'kill' && fault.service === 'payments')
      .map(({ atS }) => atS);
    for (let i = 1; i < kills.length; i++) expect(kills[i]! - kills[i - 1]!).toBeGreaterThanOrEqual(12);
  });

  it('scales a short run down to one fault of each kind and a shorter outage, and adds the broker restart when asked', () => {
    const short = faultSchedule(chaos, { checkouts: 60, loadS: 12, seed: 1, brokerRestart: true });
    const kinds = short.map(({ fault }) => describeFault(fault));
    expect(kinds).toHaveLength(new Set(kinds).size);
    expect(kinds).toContain('provider-outage 5 s');
    expect(kinds).toContain('restart-broker');
  });
});
