import { AppError } from '@incident-lab/service-kit';
import type { Request } from 'express';
import { verifyToken } from './session-token';

/** The logged-in user's id from `Authorization: Bearer <token>`, or a 401 problem. */
export function requireUser(request: Request, secret: string): number {
  const header = request.get('authorization') ?? '';
  const token = header.startsWith('Bearer ') ? header.slice(7) : '';
  const userId = token ? verifyToken(token, secret) : undefined;
  if (userId === undefined) {
    throw new AppError({
      status: 401,
      code: 'unauthenticated',
      title: 'Log in first',
      detail: 'Send the token from POST /api/login as "Authorization: Bearer <token>".',
      headers: { 'www-authenticate': 'Bearer' },
    });
  }
  return userId;
}
