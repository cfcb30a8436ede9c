import { createPool } from '@incident-lab/db';
import amqp from 'amqplib';
import type { LabOptions } from '../settings/lab-options';
import { withRedis } from './redis';

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/**
 * Fails with one message that names the unreachable server, the URL tried and how to start it,
 * before anything else is attempted.
 */
export async function checkInfrastructure(options: LabOptions): Promise<void> {
  const problems: string[] = [];
  const pool = createPool({ url: options.mysqlUrl, connectionLimit: 1 });
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    problems.push(
      `MySQL is not reachable at ${redact(options.mysqlUrl)} (MYSQL_URL): ${(error as Error).message}`,
    );
  } finally {
    await pool.end();
  }
  try {
    const connection = await amqp.connect(options.amqpUrl);
    await connection.close();
  } catch (error) {
    problems.push(
      `RabbitMQ is not reachable at ${redact(options.amqpUrl)} (AMQP_URL): ${(error as Error).message}`,
    );
  }
  // One try, no reconnecting: a missing Redis is said once, not retried in the background.
  try {
    await withRedis(options.redisUrl, (redis) => redis.ping());
  } catch (error) {
    problems.push(
      `Redis is not reachable at ${redact(options.redisUrl)} (REDIS_URL): ${(error as Error).message}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(
      `${problems.join('\n')}\nStart them with \`docker compose up -d mysql rabbitmq redis\`, or point MYSQL_URL / AMQP_URL / REDIS_URL at running servers.`,
    );
  }
}
