// Every fault of the game day's catalogue, detected from the signals alone (a proof, not a test):
// `npm run drill:sweep` writes bench/detectability.json and bench/detectability.md. It runs a lab of
// its own (namespace `sweep`, ports from 5300, its own flag file), and for each fault holds it in
// force hidden, as `lab drill` does, while the learner's rules (packages/lab/src/drill/detector.ts)
// watch only what a learner can read: the services' /metrics and what people experience. A fault no
// rule names is a silent failure of the lab itself; the sweep says so and exits 1.
//
//   npm run drill:sweep                      # every fault, 150 s each at most (about 15 minutes)
//   npm run drill:sweep -- --only template-bug,primary-slow --limit 90
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { scratchLab } from './measure.mjs';

const require = createRequire(import.meta.url);
const { labOptions, startLab, sweepFaults } = require('@incident-lab/lab');
const { DRILL_FAULTS, NOT_DRILLED } = require('@incident-lab/scenarios');

let values;
try {
  ({ values } = parseArgs({
    options: {
      only: { type: 'string' },
      limit: { type: 'string', default: '150' },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  console.error(`${error.message.split('\n')[0]}; see npm run drill:sweep -- --help`);
  process.exit(2);
}
if (values.help) {
  console.log(`npm run drill:sweep -- [--only id,id] [--limit S]
  Holds each catalogue fault in force, hidden, on a lab of its own and watches the learner's signals
  until they name the fault's service (or S seconds pass, default 150). Writes
  bench/detectability.json and bench/detectability.md. Faults: ${DRILL_FAULTS.map((f) => f.id).join(', ')}.`);
  process.exit(0);
}
const limitS = Number(values.limit);
if (!Number.isInteger(limitS) || limitS < 10) {
  console.error(`--limit must be whole seconds, at least 10; got "${values.limit}"`);
  process.exit(2);
}
const wanted = values.only ? values.only.split(',') : DRILL_FAULTS.map((fault) => fault.id);
const unknown = wanted.filter((id) => !DRILL_FAULTS.some((fault) => fault.id === id));
if (unknown.length) {
  console.error(
    `--only takes catalogue faults (${DRILL_FAULTS.map((f) => f.id).join(', ')}); not ${unknown.join(', ')}`,
  );
  process.exit(2);
}

const ROOT = path.resolve(import.meta.dirname, '..');
const { work, env } = scratchLab('sweep', 5300);
const options = labOptions(env);
const say = (line) => console.log(`[sweep] ${new Date().toISOString().slice(11, 19)} ${line}`);

const started = new Date();
const lab = await startLab(options, { serviceEnv: { LOG_LEVEL: 'warn' } });
let detections;
try {
  detections = await sweepFaults(
    options,
    DRILL_FAULTS.filter((fault) => wanted.includes(fault.id)),
    { limitS, log: say },
  );
} finally {
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
}

const results = {
  command: `npm run drill:sweep${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  measuredAt: started.toISOString(),
  machine: { cpus: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`, node: process.version },
  limitS,
  detections,
  notDrilled: NOT_DRILLED,
};
writeFileSync(path.join(ROOT, 'bench/detectability.json'), `${JSON.stringify(results, null, 2)}\n`);
const rows = detections.map(
  (each) =>
    `| ${each.fault} | ${each.service} | ${each.detectedAfterS === undefined ? `**not named within ${limitS} s**` : `${each.detectedAfterS} s`} | ${each.signal ?? each.findings.map((f) => f.signal).join('; ')} | ${each.cause ? `${each.cause}${each.causeRight ? ' (right)' : ' (**wrong**)'}` : '—'} |`,
);
writeFileSync(
  path.join(ROOT, 'bench/detectability.md'),
  [
    '# Every fault is detectable',
    '',
    `\`${results.command}\`, ${results.measuredAt} (${results.machine.cpus}, Node ${results.machine.node}).`,
    '',
    "Each fault of the game day's catalogue held in force as `lab drill` hides it, on a lab with every flag",
    "as shipped and the drill's steady traffic, while the learner's rules (`packages/lab/src/drill/detector.ts`)",
    "read only the services' `/metrics` and what people experienced, every 5 s. Named: the first rule at a",
    'cause names the service where the fault is.',
    '',
    '| fault | its service | named after | by the signal | the cause a learner makes of it |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...Object.entries(NOT_DRILLED).map(([flag, why]) => `Not in the catalogue: \`${flag}\`: ${why}.`),
    '',
  ].join('\n'),
);
say('wrote bench/detectability.json and bench/detectability.md');
const missed = detections.filter((each) => each.detectedAfterS === undefined);
if (missed.length) {
  say(`NOT detected: ${missed.map((each) => each.fault).join(', ')}: a silent failure of the lab itself`);
  process.exit(1);
}
