import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from './session-token';

const SECRET = 'test-secret-test-secret';

/** A token signed with the right secret around any payload at all: what an attacker who had the secret could make. */
function signed(payload: string): string {
  const encoded = Buffer.from(payload).toString('base64url');
  return `${encoded}.${createHmac('sha256', SECRET).update(encoded).digest('base64url')}`;
}

describe('session tokens', () => {
  it('give back the user of a token the shop signed, until it expires', () => {
    const now = Date.now();
    expect(verifyToken(signToken(7, SECRET, now), SECRET, now)).toBe(7);
    expect(verifyToken(signToken(7, SECRET, now), SECRET, now + 13 * 3600 * 1000)).toBeUndefined();
    expect(verifyToken(signToken(7, 'another-secret-entirely', now), SECRET, now)).toBeUndefined();
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['null', 'null'],
    ['a user id that is not a number', '{"sub":"x","exp":9999999999}'],
    ['no expiry', '{"sub":7}'],
    ['an array', '[7]'],
  ])('refuse a validly signed payload holding %s, without throwing', (_what, payload) => {
    expect(verifyToken(signed(payload), SECRET)).toBeUndefined();
  });
});
