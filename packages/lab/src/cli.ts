import { FlagError } from '@incident-lab/flags';
import { UsageError } from './commands/args';
import { backfillCommand, backfillHelp } from './commands/backfill';
import { capacityCommand, capacityHelp } from './commands/capacity';
import { chaosCommand, chaosHelp } from './commands/chaos';
import { checkCommand, checkHelp } from './commands/check';
import { consoleCommand, consoleHelp } from './commands/console';
import { drillCommand, drillHelp } from './commands/drill';
import { flagsCommand, flagsHelp } from './commands/flags';
import { migrateCommand, migrateHelp } from './commands/migrate';
import { repairCommand, repairHelp } from './commands/repair';
import { replayCommand, replayHelp } from './commands/replay';
import { resetCommand, resetHelp } from './commands/reset';
import { runCommand, runHelp } from './commands/run';
import { secretsCommand, secretsHelp } from './commands/secrets';
import { seedCommand, seedHelp } from './commands/seed';
import { status, statusHelp } from './commands/status';
import { up, upHelp } from './commands/up';
import { labOptions, loadDotEnv } from './settings/lab-options';

const COMMANDS: Record<string, { help: string; run: (words: string[]) => Promise<unknown> }> = {
  up: { help: upHelp, run: (words) => up(words, labOptions()) },
  console: { help: consoleHelp, run: (words) => consoleCommand(words, labOptions()) },
  status: { help: statusHelp, run: (words) => status(words, labOptions()) },
  seed: { help: seedHelp, run: (words) => seedCommand(words, labOptions()) },
  flags: { help: flagsHelp, run: (words) => flagsCommand(words, labOptions()) },
  reset: { help: resetHelp, run: (words) => resetCommand(words, labOptions()) },
  migrate: { help: migrateHelp, run: (words) => migrateCommand(words, labOptions()) },
  run: { help: runHelp, run: (words) => runCommand(words, labOptions()) },
  check: { help: checkHelp, run: (words) => checkCommand(words, labOptions()) },
  chaos: { help: chaosHelp, run: (words) => chaosCommand(words, labOptions()) },
  capacity: { help: capacityHelp, run: (words) => capacityCommand(words, labOptions()) },
  drill: { help: drillHelp, run: (words) => drillCommand(words, labOptions()) },
  backfill: { help: backfillHelp, run: (words) => backfillCommand(words, labOptions()) },
  replay: { help: replayHelp, run: (words) => replayCommand(words, labOptions()) },
  repair: { help: repairHelp, run: (words) => repairCommand(words, labOptions()) },
  secrets: { help: secretsHelp, run: (words) => secretsCommand(words, labOptions()) },
};

const USAGE = `incident-lab: a shop that breaks and heals by feature flag.

Usage: lab <command> [options]     (lab help <command> for one command)

${Object.values(COMMANDS)
  .map((command) => command.help)
  .join('\n\n')}

Environment: MYSQL_URL, AMQP_URL, REDIS_URL (default the local servers), LAB_NAMESPACE (default "lab"),
LAB_PORT_BASE (default 3000), FLAGD_OFFLINE_FLAG_SOURCE_PATH (default .lab/<namespace>/flags.json,
a copy of the shipped infra/flagd/flags.json).`;

async function main(argv: string[]): Promise<number> {
  loadDotEnv();
  const [name, ...words] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const topic = words[0] ? COMMANDS[words[0]] : undefined;
    console.log(topic ? topic.help : USAGE);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`lab: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  if (words.includes('--help') || words.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    const code = await command.run(words);
    return typeof code === 'number' ? code : 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`lab ${name}: ${error.message}\n\n${command.help}`);
      return 2;
    }
    console.error(`lab ${name}: ${error instanceof FlagError ? error.message : (error as Error).message}`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
