import { SCENARIOS } from '@incident-lab/scenarios';
import { describe, expect, it } from 'vitest';
import { planRun } from './run-plan';

const partial = SCENARIOS.partial!;
// The lab's flag file as shipped: every fix off.
const shipped = {
  'idempotency-keys': 'off',
  'idempotent-consumer': 'off',
  outbox: 'off',
  'reconciler-repair': 'off',
};

describe('what a lab run runs', () => {
  it('turns every fix of the lab off in the broken phase, and every fix on in the fixed one', () => {
    const plan = planRun(partial, { phase: 'both' }, shipped);
    expect(plan.phases.map((phase) => [phase.name, phase.flags])).toEqual([
      ['broken', shipped],
      [
        'fixed',
        { 'idempotency-keys': 'on', 'idempotent-consumer': 'on', outbox: 'on', 'reconciler-repair': 'on' },
      ],
    ]);
  });

  it('runs --flags as the broken shop with only the flags given', () => {
    const plan = planRun(partial, { phase: 'both', flags: { outbox: 'on' } }, shipped);
    expect(plan.phases).toEqual([{ name: 'custom', flags: { ...shipped, outbox: 'on' } }]);
  });

  it('climbs the ladder: broken, each fix alone, all fixes', () => {
    const plan = planRun(partial, { phase: 'both', ladder: true }, shipped);
    expect(plan.ladder).toBe(true);
    expect(plan.phases.map((phase) => phase.rung)).toEqual([
      'none (broken)',
      'idempotency-keys=on',
      'idempotent-consumer=on',
      'outbox=on',
      'reconciler-repair=on',
      'all fixes',
    ]);
    const outboxAlone = plan.phases[3]!;
    expect(outboxAlone).toMatchObject({ name: 'custom', flags: { ...shipped, outbox: 'on' } });
    expect(plan.phases.at(-1)?.name).toBe('fixed');
  });
});
