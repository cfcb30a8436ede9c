import { databaseName, SCHEMA_OWNERS } from '@incident-lab/config';
import { dropDatabase } from '@incident-lab/db';
import { copyDefaultFlagFile } from '@incident-lab/flags';
import { type LabOptions, labOptions, type RunningLab, startLab, urlOf } from '@incident-lab/lab';
import { deleteTopology } from '@incident-lab/messaging';
import { OtlpReceiver } from './otlp-receiver';

export interface TestLab {
  options: LabOptions;
  lab: RunningLab;
  receiver: OtlpReceiver;
  url: (service: Parameters<typeof urlOf>[1]) => string;
  stop(): Promise<void>;
}

/**
 * A whole second shop on the machine's MySQL and RabbitMQ: its own namespace (schemas, queues),
 * its own ports and its own copy of the flag file, so it never touches the learner's lab.
 */
export async function startTestLab(portBase: number): Promise<TestLab> {
  const receiver = new OtlpReceiver();
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = await receiver.start();
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  process.env.LOG_LEVEL = 'warn';
  const flagFile = await copyDefaultFlagFile();
  const options = labOptions(process.env, { namespace: `e2e_${process.pid}`, portBase, flagFile });
  const lab = await startLab(options);
  return {
    options,
    lab,
    receiver,
    url: (service) => urlOf(options, service),
    async stop() {
      await lab.stop();
      await receiver.stop();
      for (const owner of SCHEMA_OWNERS)
        await dropDatabase(options.mysqlUrl, databaseName(options.namespace, owner));
      await deleteTopology(options.amqpUrl, options.namespace);
    },
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The value of one Prometheus sample line (`name{labels} value`) in a /metrics page, 0 if absent. */
export function metricValue(page: string, name: string, labels = ''): number {
  const line = page
    .split('\n')
    .find((row) => row.startsWith(`${name}${labels ? `{${labels}` : ''}`) && !row.startsWith('#'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
