import { parseArgs } from 'node:util';
import type { LabOptions } from '../settings/lab-options';
import { newSecrets } from '../settings/lab-secrets';
import { usage } from './args';

export const secretsHelp = `lab secrets [--new]
  Prints the lab's secrets as .env lines: SESSION_SECRET (signs logins) and INTERNAL_TOKEN (what the
  services and this CLI show each other). \`lab up\` makes them on first start, in .lab/<namespace>/
  secrets.json (git-ignored); docker compose takes them from .env: \`npx lab secrets >> .env\`.
  --new   a fresh pair, stored nowhere (for a lab on another machine)`;

export async function secretsCommand(words: string[], options: LabOptions): Promise<number> {
  const { values } = usage(() =>
    parseArgs({ args: words, options: { new: { type: 'boolean' } }, allowPositionals: false, strict: true }),
  );
  const secrets = values.new ? newSecrets() : options.secrets;
  console.log(`SESSION_SECRET=${secrets.sessionSecret}\nINTERNAL_TOKEN=${secrets.internalToken}`);
  return 0;
}
