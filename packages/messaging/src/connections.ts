import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/**
 * A lab's own AMQP connections on the broker, found by the `<namespace>:<service>` name each service
 * gives its connection. RabbitMQ is shared (other labs, the tests), so a fault only ever touches the
 * connections of one namespace, never the whole broker.
 *
 * Uses `rabbitmqctl` on this machine; `LAB_RABBITMQCTL` replaces the command (for a broker in a
 * container: `docker compose exec -T rabbitmq rabbitmqctl`).
 */
export interface BrokerConnection {
  /** The broker's name for it ("127.0.0.1:54476 -> 127.0.0.1:5672"), which close_connection takes. */
  name: string;
  /** The name the client gave it: `<namespace>:<service>`. */
  clientName: string;
}

async function rabbitmqctl(args: string[]): Promise<string> {
  const [command = 'rabbitmqctl', ...prefix] = (process.env.LAB_RABBITMQCTL ?? 'rabbitmqctl').split(/\s+/);
  const { stdout } = await promisify(execFile)(command, [...prefix, ...args], { timeout: 120_000 });
  return stdout;
}

export async function labConnections(namespace: string): Promise<BrokerConnection[]> {
  const rows = JSON.parse(
    await rabbitmqctl(['list_connections', 'name', 'client_properties', '--formatter', 'json']),
  ) as Array<{ name: string; client_properties: Array<[string, string, unknown]> }>;
  return rows
    .map((row) => ({
      name: row.name,
      clientName: String(row.client_properties.find(([key]) => key === 'connection_name')?.[2] ?? ''),
    }))
    .filter((connection) => connection.clientName.startsWith(`${namespace}:`));
}

/** Closes every connection of one lab, as a network cut or a broker-side kill would; returns them. */
export async function closeLabConnections(namespace: string, reason: string): Promise<BrokerConnection[]> {
  const connections = await labConnections(namespace);
  for (const connection of connections) {
    await rabbitmqctl(['close_connection', connection.name, reason]).catch(() => undefined);
  }
  return connections;
}

/** Stops and starts the whole RabbitMQ application: every lab and test on it loses its connections. */
export async function restartBroker(): Promise<void> {
  await rabbitmqctl(['stop_app']);
  await rabbitmqctl(['start_app']);
  await rabbitmqctl(['await_startup']);
}
