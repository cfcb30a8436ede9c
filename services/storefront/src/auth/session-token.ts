import { errors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

const TOKEN_TTL_S = 12 * 3600;
/** The one algorithm a session is signed with; a token naming any other (`none` included) is refused. */
const ALGORITHM = 'HS256';
const ISSUER = 'incident-lab/storefront';

export type Role = 'customer' | 'staff';

export interface Session {
  userId: number;
  role: Role;
}

/** What a token must say once its signature holds: anything else is refused like a bad signature. */
const claimsSchema = z.object({
  sub: z.string().regex(/^[1-9][0-9]{0,9}$/),
  role: z.enum(['customer', 'staff']),
});

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/**
 * A signed, stateless session token (a JWT, HS256): checking it costs no database query, so only
 * login itself competes for the pool.
 */
export function signToken(session: Session, secret: string, now = Date.now()): Promise<string> {
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT({ role: session.role })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(String(session.userId))
    .setIssuer(ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + TOKEN_TTL_S)
    .sign(keyOf(secret));
}

/** The session in a valid, unexpired token; undefined for anything else, whatever the token holds. */
export async function verifyToken(
  token: string,
  secret: string,
  now = Date.now(),
): Promise<Session | undefined> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      requiredClaims: ['exp', 'sub'],
      currentDate: new Date(now),
    });
    const claims = claimsSchema.safeParse(payload);
    return claims.success ? { userId: Number(claims.data.sub), role: claims.data.role } : undefined;
  } catch (error) {
    // jose's errors are its verdicts on the token; anything else is a bug and must surface.
    if (error instanceof errors.JOSEError) return undefined;
    throw error;
  }
}
