// Runs before `npm test`: the integration and end-to-end tests need a real MySQL and RabbitMQ (and
// Prometheus's tools and Chromium), so say at once what is missing and how to get it, instead of 40
// timeouts.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import amqp from 'amqplib';
import mysql from 'mysql2/promise';

const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const problems = [];

try {
  const connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 });
  await connection.end();
} catch (error) {
  problems.push(`MySQL is not reachable at ${mysqlUrl} (MYSQL_URL): ${error.message}`);
}
try {
  const connection = await amqp.connect(amqpUrl, { timeout: 3000 });
  await connection.close();
} catch (error) {
  problems.push(
    `RabbitMQ is not reachable at ${amqpUrl.replace(/:[^:@/]+@/, ':***@')} (AMQP_URL): ${error.message}`,
  );
}

if (problems.length > 0) {
  console.error(`npm test needs MySQL and RabbitMQ:\n  ${problems.join('\n  ')}`);
  console.error('Start them with `docker compose up -d mysql rabbitmq`, or set MYSQL_URL / AMQP_URL.');
  process.exit(1);
}

const tools = [];
try {
  execFileSync('promtool', ['--version'], { stdio: 'ignore' });
  execFileSync('prometheus', ['--version'], { stdio: 'ignore' });
} catch {
  tools.push('prometheus and promtool (the alert-rule tests): apt install prometheus');
}
if (!existsSync('/usr/bin/chromium'))
  tools.push('Chromium at /usr/bin/chromium (the report test): apt install chromium');
if (tools.length > 0) {
  console.error(`npm test also needs:\n  ${tools.join('\n  ')}\n(.ci/run installs them.)`);
  process.exit(1);
}
