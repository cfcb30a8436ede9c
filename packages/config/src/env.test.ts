import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { commonEnv } from './common-env';
import { ConfigError, parseEnv } from './env';
import { databaseName } from './stack';

describe('parseEnv', () => {
  const schema = commonEnv.extend({ PORT: z.coerce.number().int().min(1).max(65535) });

  const INTERNAL_TOKEN = 'x'.repeat(32);

  it('fills defaults for the local MySQL and RabbitMQ', () => {
    const env = parseEnv(schema, { PORT: '3000', INTERNAL_TOKEN });
    expect(env.MYSQL_URL).toBe('mysql://root@127.0.0.1:3306');
    expect(env.AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(env.PORT).toBe(3000);
  });

  it('names every bad variable in one error', () => {
    const attempt = () => parseEnv(schema, { PORT: 'eighty', MYSQL_URL: 'postgres://x' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT/);
    expect(attempt).toThrow(/MYSQL_URL/);
  });

  it('has no default internal token, and says how to get one', () => {
    expect(() => parseEnv(schema, { PORT: '3000' })).toThrow(
      /INTERNAL_TOKEN is not set: `npx lab up` makes one/,
    );
    expect(() => parseEnv(schema, { PORT: '3000', INTERNAL_TOKEN: 'short' })).toThrow(
      /at least 32 characters/,
    );
  });
});

describe('databaseName', () => {
  it('gives each owner its own schema in a namespace', () => {
    expect(databaseName('lab', 'payments')).toBe('lab_payments');
    expect(databaseName('t1', 'provider_backup')).toBe('t1_provider_backup');
  });

  it('refuses a namespace that would make an unsafe identifier', () => {
    expect(() => databaseName('lab; drop', 'payments')).toThrow(/namespace/);
  });
});
