import { AppError, bearerToken } from '@incident-lab/service-kit';
import type { Request } from 'express';
import { type Session, verifyToken } from './session-token';

/** Each request's verified session, so a route that asks twice (checkout's key scope, then its handler) verifies once. */
const verified = new WeakMap<Request, Promise<Session | undefined>>();

/** The logged-in user's session from `Authorization: Bearer <token>`, or a 401 problem. */
export async function requireUser(request: Request, secret: string): Promise<Session> {
  let session = verified.get(request);
  if (!session) {
    const token = bearerToken(request);
    session = token ? verifyToken(token, secret) : Promise.resolve(undefined);
    verified.set(request, session);
  }
  const user = await session;
  if (!user) {
    throw new AppError({
      status: 401,
      code: 'unauthenticated',
      title: 'Log in first',
      detail: 'Send the token from POST /api/login as "Authorization: Bearer <token>".',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  return user;
}

/** A staff member's session, or 401 (not logged in) / 403 (logged in, not staff). */
export async function requireStaff(request: Request, secret: string): Promise<Session> {
  const session = await requireUser(request, secret);
  if (session.role !== 'staff') {
    throw new AppError({
      status: 403,
      code: 'staff-only',
      title: 'This is for the shop’s staff',
      detail: 'Log in as a staff member (the lab seeds staff@shop.test).',
    });
  }
  return session;
}
