import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { AppError } from '../app-error';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** The credential of `Authorization: Bearer <credential>`, or '' when there is none. */
export function bearerToken(request: Request): string {
  const header = request.get('authorization') ?? '';
  return header.startsWith('Bearer ') ? header.slice(7) : '';
}

/**
 * Service-to-service routes (charges, refunds, ledgers, invoices, jobs) answer only callers holding
 * the lab's internal token (`INTERNAL_TOKEN`, made per lab by `lab up`), sent as the http-client's
 * `internalAuth(token)` makes it. Compared as digests in
 * constant time, so neither the token's length nor its first bytes leak through timing.
 */
export function requireInternalToken(token: string): RequestHandler {
  const expected = digest(token);
  return (request, _response, next) => {
    const given = bearerToken(request);
    if (given && timingSafeEqual(digest(given), expected)) return next();
    throw new AppError({
      status: 401,
      code: 'internal-credential-required',
      title: 'This route is for the lab’s own services',
      detail: 'Send the lab’s internal token as "Authorization: Bearer <INTERNAL_TOKEN>".',
      headers: { 'www-authenticate': 'Bearer realm="incident-lab internal"' },
    });
  };
}
