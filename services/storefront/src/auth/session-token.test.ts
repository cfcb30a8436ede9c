import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from './session-token';

const SECRET = 'test-secret-test-secret-test-secret';
const key = new TextEncoder().encode(SECRET);

/** A token signed with the right secret around any claims at all: what an attacker holding the secret could make. */
function signed(claims: Record<string, unknown>, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg }).sign(key);
}

/** A token whose header and payload are any text at all, signed correctly. */
async function raw(header: string, payload: string): Promise<string> {
  const { createHmac } = await import('node:crypto');
  const part = (text: string) => Buffer.from(text).toString('base64url');
  const body = `${part(header)}.${part(payload)}`;
  return `${body}.${createHmac('sha256', SECRET).update(body).digest('base64url')}`;
}

const valid = { iss: 'incident-lab/storefront', sub: '7', role: 'customer', exp: 9_999_999_999 };

describe('session tokens', () => {
  it('give back the session of a token the shop signed, until it expires', async () => {
    const now = Date.now();
    const token = await signToken({ userId: 7, role: 'staff' }, SECRET, now);
    expect(await verifyToken(token, SECRET, now)).toEqual({ userId: 7, role: 'staff' });
    expect(await verifyToken(token, SECRET, now + 13 * 3600 * 1000)).toBeUndefined();
    expect(await verifyToken(token, 'another-secret-entirely-another-one', now)).toBeUndefined();
  });

  it.each([
    ['a user id that is not a number', { ...valid, sub: 'x' }],
    ['no expiry', { iss: valid.iss, sub: '7', role: 'customer' }],
    ['no role', { ...valid, role: undefined }],
    ['a role the shop does not have', { ...valid, role: 'admin' }],
    ['another issuer', { ...valid, iss: 'someone-else' }],
  ])('refuse a validly signed token holding %s', async (_what, claims) => {
    expect(await verifyToken(await signed(claims), SECRET)).toBeUndefined();
  });

  it('refuse any algorithm but HS256, "none" included', async () => {
    expect(await verifyToken(await signed(valid, 'HS512'), SECRET)).toBeUndefined();
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(valid)).toString('base64url')}.`;
    expect(await verifyToken(none, SECRET)).toBeUndefined();
  });

  it.each([
    ['text that is not JSON', 'not json'],
    ['null', 'null'],
    ['an array', '[7]'],
  ])('refuse a validly signed payload holding %s, without throwing', async (_what, payload) => {
    expect(await verifyToken(await raw('{"alg":"HS256"}', payload), SECRET)).toBeUndefined();
  });

  it.each(['', 'a.b', 'a.b.c.d', '...', 'x'.repeat(5000)])(
    'refuse garbage %#, without throwing',
    async (token) => {
      expect(await verifyToken(token, SECRET)).toBeUndefined();
    },
  );
});
