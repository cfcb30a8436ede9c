import { parseArgs } from 'node:util';
import type { LabOptions } from '../settings/lab-options';
import { startLabConsole } from '../supervisor/lab-console';
import { usage } from './args';

export const consoleHelp = `lab console
  Starts the lab console alone, against a lab already running (lab up --no-console, or services
  started another way): flags, live signals, runs and the audit at http://localhost:3080
  (LAB_CONSOLE_PORT). Traces and log lines arrive from services exporting to it
  (OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:3080).`;

export async function consoleCommand(words: string[], options: LabOptions): Promise<void> {
  usage(() => parseArgs({ args: words, options: {}, allowPositionals: false, strict: true }));
  const labConsole = await startLabConsole(options);
  console.log(`The lab console is at ${labConsole.url} (lab "${options.namespace}"). Ctrl-C stops it.`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await labConsole.stop();
}
