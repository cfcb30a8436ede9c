import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

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

/** What a token must say, once its signature holds: anything else is refused like a bad signature. */
const claimsSchema = z.object({ sub: z.number().int().positive(), exp: z.number().int() });

/** The user id in a valid, unexpired token; undefined otherwise, whatever the token holds. */
export function verifyToken(token: string, secret: string, now = Date.now()): number | undefined {
  const [payload, signature] = token.split('.');
  if (!payload || !signature) return undefined;
  const expected = createHmac('sha256', secret).update(payload).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString());
  } catch {
    return undefined;
  }
  const claims = claimsSchema.safeParse(decoded);
  if (!claims.success) return undefined;
  return claims.data.exp * 1000 > now ? claims.data.sub : undefined;
}
