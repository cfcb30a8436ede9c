import { createHmac, timingSafeEqual } from 'node:crypto';

const TOKEN_TTL_S = 12 * 3600;

/**
 * A signed, stateless session token (`<payload>.<hmac>`): checking it costs no database query, so
 * only login itself competes for the pool.
 */
export function signToken(userId: number, secret: string, now = Date.now()): string {
  const payload = Buffer.from(
    JSON.stringify({ sub: userId, exp: Math.floor(now / 1000) + TOKEN_TTL_S }),
  ).toString('base64url');
  return `${payload}.${createHmac('sha256', secret).update(payload).digest('base64url')}`;
}

/** The user id in a valid, unexpired token; undefined otherwise. */
export function verifyToken(token: string, secret: string, now = Date.now()): number | undefined {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) return undefined;
  const expected = createHmac('sha256', secret).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sub: number; exp: number };
  return claims.exp * 1000 > now ? claims.sub : undefined;
}
