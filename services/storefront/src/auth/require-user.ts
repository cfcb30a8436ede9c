import { AppError } from '@incident-lab/service-kit';
import type { Request } from 'express';
import { type Session, verifyToken } from './session-token';

/** The logged-in user's session from `Authorization: Bearer <token>`, or a 401 problem. */
export async function requireUser(request: Request, secret: string): Promise<Session> {
  const header = request.get('authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  const session = token ? await verifyToken(token, secret) : undefined;
  if (!session) {
    throw new AppError({
      status: 401,
      code: 'unauthenticated',
      title: 'Log in first',
      detail: 'Send the token from POST /api/login as "Authorization: Bearer <token>".',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  return session;
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
