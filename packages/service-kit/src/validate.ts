import type { z } from 'zod';
import { AppError } from './app-error';

/** Parses untrusted input; on failure answers 400 naming each offending field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown, where = 'body'): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new AppError({
    status: 400,
    code: 'validation-failed',
    title: 'The request is invalid',
    detail: `The ${where} has ${result.error.issues.length} invalid field(s).`,
    invalidParams: result.error.issues.map((issue) => ({
      name: issue.path.length > 0 ? issue.path.join('.') : where,
      reason: issue.message,
    })),
  });
}
