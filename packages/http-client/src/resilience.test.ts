import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BrokenCircuitError, createBreaker, ServerError } from './resilience';

describe('createBreaker', () => {
  it('refuses at once while its one half-open probe is in flight, instead of holding every call on it', async () => {
    const breaker = createBreaker('test-probe', 1, 50);
    await expect(breaker.execute(() => Promise.reject(new ServerError(503)))).rejects.toThrow(ServerError);
    await expect(breaker.execute(async () => 'refused while open')).rejects.toThrow(BrokenCircuitError);
    await sleep(60);
    // The probe: a slow dependency, answering after 300 ms.
    const probe = breaker.execute(() => sleep(300).then(() => 'probe'));
    const started = performance.now();
    await expect(breaker.execute(async () => 'second')).rejects.toThrow(BrokenCircuitError);
    expect(performance.now() - started).toBeLessThan(100);
    expect(await probe).toBe('probe');
    // The probe succeeded: closed again, calls go through.
    expect(await breaker.execute(async () => 'after')).toBe('after');
  });
});
