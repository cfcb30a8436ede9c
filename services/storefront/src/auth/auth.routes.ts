import { randomBytes } from 'node:crypto';
import type { RowDataPacket } from '@incident-lab/db';
import { AppError, validate } from '@incident-lab/service-kit';
import { Router } from 'express';
import { z } from 'zod';
import type { ShopDb } from '../db/shop-db';
import { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './passwords';
import { signToken } from './session-token';

const loginBody = z.object({
  email: z.email().max(255),
  password: z.string().min(1).max(200),
});

/** A hash of a random password, made once: what an unknown e-mail's password is checked against. */
let unknownUser: Promise<string> | undefined;
function unknownUserHash(): Promise<string> {
  unknownUser ??= hashPassword(randomBytes(16).toString('hex'));
  return unknownUser;
}

export function authRoutes(db: ShopDb, secret: string, throttle = new LoginThrottle()): Router {
  const router = Router();
  router.post('/api/login', async (request, response) => {
    const { email, password } = validate(loginBody, request.body);
    const address = request.ip ?? 'unknown';
    // Checked before the database and the scrypt: a guessing client costs the shop nothing more.
    const retryAfterS = throttle.retryAfterS(email, address);
    if (retryAfterS > 0) {
      throw new AppError({
        status: 429,
        code: 'too-many-login-failures',
        title: 'Too many wrong passwords; wait before trying again',
        detail: `Login for this account or address is paused for ${retryAfterS} s after repeated wrong passwords.`,
        headers: { 'retry-after': String(retryAfterS) },
      });
    }
    const rows = await db.query<RowDataPacket[]>(
      'SELECT id, name, role, password_hash FROM users WHERE email = ?',
      [email],
    );
    const user = rows[0];
    // An unknown e-mail costs the same scrypt as a wrong password: how long a refusal takes must not
    // tell an attacker which e-mails have accounts.
    const matches = await verifyPassword(password, user?.password_hash ?? (await unknownUserHash()));
    if (!user || !matches) {
      throttle.recordFailure(email, address);
      throw new AppError({ status: 401, code: 'bad-credentials', title: 'Wrong email or password' });
    }
    throttle.recordSuccess(email);
    const token = await signToken({ userId: user.id, role: user.role }, secret);
    response.json({ token, user: { id: user.id, name: user.name, email, role: user.role } });
  });
  return router;
}
