import { describe, expect, it } from 'vitest';
import { MAX_KEY_LENGTH, parseIdempotencyKey } from './key-header';

describe('parseIdempotencyKey', () => {
  it('reads the sf-string form and the bare form as the same key', () => {
    const uuid = '8e03978e-40d5-43e8-bc93-6894a57f9324';
    expect(parseIdempotencyKey(`"${uuid}"`)).toEqual({ ok: true, key: uuid });
    expect(parseIdempotencyKey(uuid)).toEqual({ ok: true, key: uuid });
  });

  it('keeps letter case: abc and ABC are two keys', () => {
    expect(parseIdempotencyKey('abc')).toEqual({ ok: true, key: 'abc' });
    expect(parseIdempotencyKey('ABC')).toEqual({ ok: true, key: 'ABC' });
  });

  it('unescapes \\" and \\\\ inside quotes, and allows spaces there', () => {
    expect(parseIdempotencyKey('"a \\"b\\" \\\\c"')).toEqual({ ok: true, key: 'a "b" \\c' });
  });

  it.each([
    ['', 'empty'],
    ['""', 'empty'],
    ['"abc', 'no closing quote'],
    ['"ab"c', 'follows the closing quote'],
    ['"a\\bc"', 'may only escape'],
    ['clé', 'printable ASCII'],
    ['"clé"', 'printable ASCII'],
    ['a b', 'without spaces'],
    ['x'.repeat(MAX_KEY_LENGTH + 1), 'longer than'],
  ])('refuses %j, naming the problem', (header, reason) => {
    const parsed = parseIdempotencyKey(header);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toContain(reason);
  });
});
