// Time held (a proof, not a test): `npm run soak` runs `lab chaos` with every fix on for 30 minutes
// (by default) on a lab of its own (namespace `soak`, ports from 5600), and watches it the whole time:
// each process's memory and event-loop delay, the size of the shop's bookkeeping tables, and the p99
// of a canary (one product listing a second, as a person browsing). It writes bench/soak.json,
// bench/soak.md and two charts, with a verdict on growth. Retentions are shortened (minutes, not
// days) so that a 30-minute run shows whether each table levels off; the rules are the same.
//
//   npm run soak                                  # 30 minutes at 3 checkouts a second
//   npm run soak -- --minutes 10 --rate 2         # a shorter look
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { memoryOf, scratchLab } from './measure.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(import.meta.dirname, '..');
const { createPool } = require('@incident-lab/db');
const { databaseName } = require('@incident-lab/config');
const { lineChart } = require(path.join(ROOT, 'packages/lab/dist/report/svg-charts.js'));

/** Shorter than the services' defaults, so that 30 minutes show a table levelling off. */
const RETENTION = {
  IDEMPOTENCY_KEY_TTL_S: '300',
  OUTBOX_RETENTION_S: '120',
  PROCESSED_MESSAGES_RETENTION_S: '300',
  PAYMENT_REQUESTS_RETENTION_S: '300',
};
const SAMPLE_EVERY_MS = 15_000;
const WINDOW_S = 300;
/** Growth the verdict tolerates from the second window (the first warms up) to the last. */
const TOLERANCE = { memory: 0.25, eventLoopP99: 1.0, canaryP99: 1.0, tables: 0.25 };
/** `lab chaos` spreads its faults between 5 % and 85 % of the load; a shorter soak is not one. */
const MIN_MINUTES = 10;

let values;
try {
  ({ values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '30' },
      rate: { type: 'string', default: '3' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  console.error(`${error.message.split('\n')[0]}; see npm run soak -- --help`);
  process.exit(2);
}
if (values.help) {
  console.log(`npm run soak -- [--minutes M] [--rate R] [--seed S]
  lab chaos with every fix on for M minutes (default 30, at least ${MIN_MINUTES}) at R checkouts a second
  (default 3, at most 10 on a 2-core machine), its faults spread over the run; memory, event-loop
  delay, bookkeeping tables and a canary's p99 sampled every 15 s. Writes bench/soak.json,
  bench/soak.md, bench/soak-memory.svg and bench/soak-tables.svg; exit 1 when a claim fails or
  something grows beyond its tolerance.`);
  process.exit(0);
}
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const seed = Number(values.seed);
if (!Number.isFinite(minutes) || minutes < MIN_MINUTES) {
  console.error(
    `--minutes must be at least ${MIN_MINUTES}: a shorter soak ends before its fault schedule and its windows mean anything; got "${values.minutes}"`,
  );
  process.exit(2);
}
if (!Number.isFinite(rate) || rate <= 0 || rate > 10) {
  console.error(
    `--rate must be checkouts a second above 0 and at most 10 (what 2 cores drive); got "${values.rate}"`,
  );
  process.exit(2);
}
if (!Number.isInteger(seed) || seed < 0) {
  console.error(`--seed must be a whole number ≥ 0; got "${values.seed}"`);
  process.exit(2);
}

const say = (line) => console.log(`[soak] ${new Date().toISOString().slice(11, 19)} ${line}`);
const { work, env } = scratchLab('soak', 5600);
Object.assign(env, RETENTION);
const stateFile = path.join(work, 'soak', 'processes.json');
const chaosJson = path.join(work, 'chaos.json');
const checkouts = Math.round(minutes * 60 * rate);

const TABLES = [
  ['storefront', 'idempotency_keys'],
  ['storefront', 'payment_requests'],
  ['payments', 'idempotency_keys'],
  ['payments', 'processed_messages'],
  ['payments', 'outbox'],
];
const pool = createPool({ url: env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306', connectionLimit: 1 });
async function tableSizes() {
  const sizes = {};
  for (const [owner, table] of TABLES) {
    try {
      const [[row]] = await pool.query(
        `SELECT COUNT(*) AS n FROM \`${databaseName('soak', owner)}\`.${table}`,
      );
      sizes[`${owner}.${table}`] = Number(row.n);
    } catch {
      // The schema is not there yet (the lab is starting).
    }
  }
  return sizes;
}

function services() {
  if (!existsSync(stateFile)) return [];
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')).services;
  } catch {
    return [];
  }
}

async function eventLoopP99(url) {
  try {
    const text = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    const match = /^nodejs_eventloop_delay_p99 ([\d.e+-]+)$/m.exec(text);
    return match ? Math.round(Number(match[1]) * 1000 * 10) / 10 : undefined;
  } catch {
    return undefined;
  }
}

say(
  `lab chaos, every fix on, ${checkouts} checkouts at ${rate}/s (${minutes} min), seed ${seed}; lab in ${work}`,
);
const chaos = spawn(
  process.execPath,
  [
    path.join(ROOT, 'packages/lab/bin/lab.js'),
    'chaos',
    '--phase',
    'fixed',
    '--checkouts',
    String(checkouts),
    '--rate',
    String(rate),
    '--seed',
    String(seed),
    '--out',
    path.join(work, 'reports'),
    '--json',
    chaosJson,
  ],
  { env, stdio: ['ignore', 'pipe', 'inherit'] },
);
let chaosTail = '';
chaos.stdout.on('data', (chunk) => {
  chaosTail = (chaosTail + chunk).slice(-4000);
});
const exited = new Promise((resolve) => chaos.on('exit', (code) => resolve(code)));
let done = false;
void exited.then(() => {
  done = true;
});

const started = Date.now();
const samples = [];
const canary = [];
// The canary: one product listing a second, timed as a person would feel it.
const canaryLoop = (async () => {
  while (!done) {
    const storefront = services().find((service) => service.name === 'storefront');
    if (storefront) {
      const t0 = performance.now();
      const ok = await fetch(`${storefront.url}/api/products`, { signal: AbortSignal.timeout(10_000) })
        .then((response) => response.ok)
        .catch(() => false);
      canary.push({ s: Math.round((Date.now() - started) / 1000), ms: performance.now() - t0, ok });
    }
    await sleep(1_000);
  }
})();

while (!done) {
  await Promise.race([sleep(SAMPLE_EVERY_MS), exited]);
  const sample = {
    s: Math.round((Date.now() - started) / 1000),
    memoryMb: {},
    eventLoopP99Ms: {},
    tables: {},
  };
  for (const service of services()) {
    const memory = service.pid ? memoryOf(service.pid) : undefined;
    if (memory) sample.memoryMb[service.name] = memory.rss;
    const delay = await eventLoopP99(service.url);
    if (delay !== undefined) sample.eventLoopP99Ms[service.name] = delay;
  }
  sample.tables = await tableSizes();
  samples.push(sample);
  if (samples.length % 8 === 0) {
    const rss = Object.values(sample.memoryMb).reduce((sum, mb) => sum + mb, 0);
    say(
      `${Math.round(sample.s / 60)} min: ${rss} MB RSS over the services; tables ${JSON.stringify(sample.tables)}`,
    );
  }
}
const code = await exited;
await canaryLoop;
await pool.end();

const report = existsSync(chaosJson) ? JSON.parse(readFileSync(chaosJson, 'utf8')) : undefined;
const fixed = report?.phases?.fixed;

// Five-minute windows from the start of the load.
const windows = [];
const lastS = Math.max(...samples.map((sample) => sample.s), 0);
for (let from = 0; from < lastS; from += WINDOW_S) windows.push({ from, to: from + WINDOW_S });
const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor(sorted.length / 2)] : undefined;
};
const p99 = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] : undefined;
};
const inWindow = (list, window) => list.filter((each) => each.s >= window.from && each.s < window.to);
const names = [...new Set(samples.flatMap((sample) => Object.keys(sample.memoryMb)))];
const tableNames = TABLES.map(([owner, table]) => `${owner}.${table}`);
const perWindow = windows.map((window) => {
  const inside = inWindow(samples, window);
  const probes = inWindow(canary, window);
  return {
    ...window,
    memoryMb: Object.fromEntries(
      names.map((name) => [name, median(inside.map((s) => s.memoryMb[name]).filter(Boolean))]),
    ),
    eventLoopP99Ms: Object.fromEntries(
      names.map((name) => [
        name,
        median(inside.map((s) => s.eventLoopP99Ms[name]).filter((v) => v !== undefined)),
      ]),
    ),
    tablesMax: Object.fromEntries(
      tableNames.map((table) => [table, Math.max(0, ...inside.map((s) => s.tables[table] ?? 0))]),
    ),
    canaryP99Ms: p99(probes.filter((probe) => probe.ok).map((probe) => probe.ms)),
    canaryFailed: probes.filter((probe) => !probe.ok).length,
  };
});

// Growth: the last full window against the second (the first fills pools and caches).
const full = perWindow.filter((window) => window.to <= lastS);
const [, reference] = full;
const last = full.at(-1);
const growth = [];
const judge = (what, was, now, tolerance, unit) => {
  if (was === undefined || now === undefined) return;
  const limit = was * (1 + tolerance) + (unit === 'rows' ? 50 : unit === 'ms' ? 5 : 0);
  const tenth = (value) => Math.round(value * 10) / 10;
  growth.push({ what, was: tenth(was), now: tenth(now), limit: tenth(limit), unit, ok: now <= limit });
};
if (reference && last && reference !== last) {
  for (const name of names) {
    judge(`${name} memory`, reference.memoryMb[name], last.memoryMb[name], TOLERANCE.memory, 'MB');
    judge(
      `${name} event-loop p99`,
      reference.eventLoopP99Ms[name],
      last.eventLoopP99Ms[name],
      TOLERANCE.eventLoopP99,
      'ms',
    );
  }
  for (const table of tableNames)
    judge(`${table} rows`, reference.tablesMax[table], last.tablesMax[table], TOLERANCE.tables, 'rows');
  judge('canary p99', reference.canaryP99Ms, last.canaryP99Ms, TOLERANCE.canaryP99, 'ms');
}
const claimsHold = fixed?.hypothesis?.passed === true;
const verdict = claimsHold && growth.length > 0 && growth.every((each) => each.ok);

const results = {
  command: `npm run soak -- --minutes ${minutes} --rate ${rate} --seed ${seed}`,
  measuredAt: new Date(started).toISOString(),
  machine: { cpus: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`, node: process.version },
  checkouts,
  ratePerS: rate,
  retention: RETENTION,
  chaosExit: code,
  claims: fixed?.hypothesis?.probes ?? [],
  invariants: fixed?.invariants ?? {},
  faults: (fixed?.faults ?? []).length,
  windows: perWindow,
  growth,
  tolerance: TOLERANCE,
  verdict: verdict ? 'holds' : 'fails',
  samples,
};
writeFileSync(path.join(ROOT, 'bench/soak.json'), `${JSON.stringify(results, null, 2)}\n`);

const colours = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2'];
/** Legend labels short enough for one row of a chart 560 px wide. */
const short = (key) =>
  key
    .replace('provider-', '')
    .replace('storefront.', 'sf ')
    .replace('payments.', 'pay ')
    .replace('idempotency_keys', 'keys')
    .replace('payment_requests', 'requests')
    .replace('processed_messages', 'processed');
const seriesOf = (pick, keys) =>
  keys.map((key, i) => ({
    label: short(key),
    colour: colours[i % colours.length],
    points: samples.map((sample) => [Math.round(sample.s / 6) / 10, pick(sample)[key] ?? null]),
  }));
/** A chart of one sampled quantity per key, minutes on the x axis. */
const chart = (file, title, unit, pick, keys) =>
  writeFileSync(
    path.join(ROOT, 'bench', file),
    lineChart(title, unit, seriesOf(pick, keys), { xLabel: 'minutes into the soak' }),
  );
chart('soak-memory.svg', 'Resident memory of each process over the soak', 'MB', (s) => s.memoryMb, names);
chart('soak-tables.svg', 'Bookkeeping tables over the soak', 'rows', (s) => s.tables, tableNames);

const cell = (value, unit = '') => (value === undefined ? '—' : `${value}${unit}`);
writeFileSync(
  path.join(ROOT, 'bench/soak.md'),
  [
    '# Time held: the soak',
    '',
    `\`${results.command}\`, ${results.measuredAt} (${results.machine.cpus}, Node ${results.machine.node}).`,
    '',
    `\`lab chaos\` with every fix on: ${checkouts} checkouts at ${rate}/s by careful clients, ${results.faults} faults`,
    'spread over the run (kills, cut MySQL and RabbitMQ connections, provider outages, a rolling restart),',
    "then the settle and the audit. Sampled every 15 s: each process's resident memory and event-loop delay",
    '(p99, from its /metrics), the bookkeeping tables, and a canary (one product listing a second).',
    `Retentions shortened for the run: ${Object.entries(RETENTION)
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')} (the defaults are 24 h, 1 h, 7 days and 2 days).`,
    '',
    `**Verdict: ${results.verdict}.** ${claimsHold ? 'Every claim of `lab chaos` held' : 'A claim of `lab chaos` failed'}; growth from the second window to the last: ${
      growth.filter((each) => !each.ok).length === 0
        ? 'none beyond its tolerance'
        : growth
            .filter((each) => !each.ok)
            .map((each) => each.what)
            .join(', ')
    }.`,
    '',
    '## The claims at the end',
    '',
    '| claim | value | limit | holds |',
    '| --- | --- | --- | --- |',
    ...results.claims.map(
      (claim) => `| ${claim.name} | ${claim.value} | ${claim.limit} | ${claim.passed ? 'yes' : '**no**'} |`,
    ),
    '',
    '## Per five minutes',
    '',
    `| window | canary p99 | canary failed | ${names.map((name) => `${name} MB`).join(' | ')} | ${tableNames.join(' | ')} |`,
    `| --- | --- | --- | ${names.map(() => '---').join(' | ')} | ${tableNames.map(() => '---').join(' | ')} |`,
    ...perWindow.map(
      (window) =>
        `| ${window.from / 60}–${window.to / 60} min | ${cell(window.canaryP99Ms && Math.round(window.canaryP99Ms), ' ms')} | ${window.canaryFailed} | ${names.map((name) => cell(window.memoryMb[name])).join(' | ')} | ${tableNames.map((table) => window.tablesMax[table]).join(' | ')} |`,
    ),
    '',
    '![Resident memory of each process](soak-memory.svg)',
    '',
    '![Bookkeeping tables](soak-tables.svg)',
    '',
    '## Growth, second window against the last',
    '',
    '| what | then | at the end | limit | within |',
    '| --- | --- | --- | --- | --- |',
    ...growth.map(
      (each) =>
        `| ${each.what} | ${each.was} ${each.unit} | ${each.now} ${each.unit} | ${each.limit} ${each.unit} | ${each.ok ? 'yes' : '**no**'} |`,
    ),
    '',
    `Tolerances: memory +${TOLERANCE.memory * 100} %, event-loop and canary p99 +${TOLERANCE.eventLoopP99 * 100} % (and 5 ms), tables +${TOLERANCE.tables * 100} % (and 50 rows).`,
    '',
  ].join('\n'),
);
rmSync(work, { recursive: true, force: true });
say(`wrote bench/soak.json, bench/soak.md and the charts: ${results.verdict}`);
if (!verdict) {
  if (code !== 0) say(`lab chaos exited ${code}; its last words:\n${chaosTail}`);
  process.exit(1);
}
