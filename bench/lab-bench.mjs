// The lab's own cost, measured (a benchmark, not a test): `npm run bench` writes bench/results.json
// and bench/results.md. It runs a lab of its own (namespace `bench`, ports from 5000, a copy of the
// flag file), never the learner's. Needs MySQL, RabbitMQ and wrk (apt install wrk).
//
//   npm run bench                       # everything, one lab run per lab (about 15 minutes)
//   npm run bench -- --rounds 3 --lab-runs 5 --only throughput,labs
//   npm run bench -- --only labs --lab silent --lab-runs 5   # one lab again; the others keep their figures
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  acceptingReceiver,
  memoryOf,
  processName,
  processTree,
  round,
  rssMb,
  scratchLab,
  spread,
  wrk,
} from './measure.mjs';

const require = createRequire(import.meta.url);
const { labOptions, labServices, startLab, urlOf, waitForFlags } = require('@incident-lab/lab');
const { databaseName } = require('@incident-lab/config');
const { setFlags, shippedVariants } = require('@incident-lab/flags');
const mysql = require('mysql2/promise');
const amqp = require('amqplib');
const express = require('express');

const ROOT = path.resolve(import.meta.dirname, '..');
const LAB_BIN = path.join(ROOT, 'packages/lab/bin/lab.js');
const PARTS = ['startup', 'throughput', 'labs', 'console', 'capacity'];
const LABS = ['cascading', 'partial', 'silent'];

let values;
try {
  ({ values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      'lab-runs': { type: 'string', default: '1' },
      seconds: { type: 'string', default: '8' },
      only: { type: 'string', default: PARTS.join(',') },
      lab: { type: 'string', default: LABS.join(',') },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  // Node's parser words a negative number as an "ambiguous" argument: say what is wanted instead.
  const option = /'(--[a-z-]+)'/.exec(error.message)?.[1];
  const problem =
    error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
      ? `unknown option ${option ?? ''}`
      : option
        ? `${option} takes a value (--only and --lab a list of names, the others a whole number of 1 or more)`
        : error.message.split('\n')[0];
  console.error(`${problem}; see npm run bench -- --help`);
  process.exit(2);
}
if (values.help) {
  console.log(`npm run bench -- [--rounds N] [--lab-runs N] [--seconds S] [--only ${PARTS.join(',')}] [--lab ${LABS.join(',')}]
  The lab's own cost on this machine, written to bench/results.json and bench/results.md:
  startup   start-to-ready and idle memory per process (N rounds)
  throughput  wrk against GET /api/products, POST /api/login and POST /api/orders with telemetry
            exporting to an accepting receiver, to nothing listening, without traces, and off; a bare Express +
            mysql2 server running the same products query (N rounds of S seconds, alternating)
  labs      each lab's \`lab run\` (wall time, margins, memory of every lab process at each phase's
            peak; silent with --observe, Prometheus on port 5090), --lab-runs times; --lab picks
            which labs (the others keep their figures from the last run, each with its date)
  console   the lab console's ingest rate, memory with a full store and search time
  capacity  \`lab capacity --phase both\`: the fixed and the broken shop's capacity, goodput at 2× and 4×
            of it and the time to recover (bench/capacity-curve.svg, bench/capacity-overload.svg)`);
  process.exit(0);
}
function positive(name) {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${name} must be a whole number of 1 or more, not "${values[name]}"`);
    process.exit(2);
  }
  return value;
}
const rounds = positive('rounds');
const labRuns = positive('lab-runs');
const seconds = positive('seconds');
const only = new Set(values.only.split(','));
const unknown = [...only].filter((part) => !PARTS.includes(part));
if (unknown.length) {
  console.error(`--only takes ${PARTS.join(', ')}; not ${unknown.join(', ')}`);
  process.exit(2);
}
const chosenLabs = values.lab.split(',');
const unknownLabs = chosenLabs.filter((lab) => !LABS.includes(lab));
if (unknownLabs.length || !chosenLabs.length) {
  console.error(`--lab takes ${LABS.join(', ')}; not ${unknownLabs.join(', ') || 'nothing'}`);
  process.exit(2);
}
const say = (line) => console.log(`[bench] ${line}`);

// A lab of the bench's own: its namespace, ports, state and flag file.
const { work, flagFile, env: benchEnv } = scratchLab('bench', 5000);
const options = labOptions(benchEnv);

/**
 * What the bench measures is pinned, never read from a learner's flags: every flag at its shipped
 * variant (every fault off, every fix off), plus what a configuration asks for. The bench's lab has
 * its own flag file, so the learner's flags are neither read nor changed.
 */
async function pinFlags(extra = {}) {
  return setFlags(flagFile, { ...shippedVariants(), ...extra });
}

/**
 * The bench's lab, started again with the flags pinned, once every service shows them applied: a
 * state folder per start, since a stopped lab's state stays behind.
 */
async function startBenchLab(run, flags = {}) {
  const pinned = await pinFlags(flags);
  const lab = await startLab({ ...options, stateDir: mkdtempSync(path.join(work, 'state-')) }, run);
  await waitForFlags(labServices(options), pinned);
  return lab;
}

/** More than this share of non-2xx answers and a configuration measured refusals, not throughput. */
const MAX_NON_2XX = 0.01;

const RESULTS = path.join(ROOT, 'bench/results.json');
// With --only, the parts not measured keep their figures from the last run (each part says when).
const earlier =
  (only.size < PARTS.length || chosenLabs.length < LABS.length) && existsSync(RESULTS)
    ? JSON.parse(readFileSync(RESULTS, 'utf8'))
    : {};
const results = { ...earlier, settings: { rounds, labRuns, seconds }, machine: await machine() };
results.measuredAt = { ...(earlier.measuredAt ?? {}) };

async function machine() {
  const db = await mysql.createConnection(options.mysqlUrl);
  const [[{ version: mysqlVersion }]] = await db.query('SELECT VERSION() AS version');
  await db.end();
  const broker = await amqp.connect(options.amqpUrl);
  const rabbitmq = broker.connection.serverProperties.version;
  await broker.close();
  return {
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}`,
    memoryGb: round(os.totalmem() / 1024 ** 3),
    node: process.version,
    mysql: mysqlVersion,
    rabbitmq,
  };
}

/** `lab up` as a learner starts it (services, supervisor and console), timed until it says it is up. */
async function labUp() {
  // The previous round's lab must be gone: `lab up` refuses to start beside a lab answering on its ports.
  for (let waited = 0; await answers(urlOf(options, 'storefront')); waited++) {
    if (waited === 300) throw new Error('the previous bench lab still answers after 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const started = performance.now();
  const child = labCommand(['up']);
  await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      if (String(chunk).includes('The lab is up')) resolve();
    });
    let output = '';
    for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => reject(new Error(`lab up exited with ${code}:\n${output.slice(-2000)}`)));
  });
  // A service that dies (out of memory under its heap cap, say) is restarted by the supervisor,
  // which says so: the lab runs count those lines.
  let crashes = 0;
  child.stdout.on('data', (chunk) => {
    crashes += String(chunk).match(/exited unexpectedly/g)?.length ?? 0;
  });
  child.stderr.resume();
  return {
    readyS: (performance.now() - started) / 1000,
    crashes: () => crashes,
    /** Every lab process's memory now, by name, and the total. */
    memory() {
      const byName = {};
      for (const [pid, cmd] of processTree(child.pid)) {
        const name = processName(pid, cmd);
        if (name) byName[name] = rssMb(pid) ?? 0;
      }
      return { byName, total: Object.values(byName).reduce((sum, mb) => sum + mb, 0) };
    },
    /** Each process's RSS split (file-backed, anonymous), PSS, and for services the V8 heap. */
    async breakdown() {
      const byName = {};
      for (const [pid, cmd] of processTree(child.pid)) {
        const name = processName(pid, cmd);
        if (!name) continue;
        const memory = memoryOf(pid);
        byName[name] = name.startsWith('lab up') ? memory : { ...memory, ...(await heapOf(name)) };
      }
      const pss = Object.values(byName).reduce((sum, each) => sum + (each?.pss ?? 0), 0);
      return { byName, pss };
    },
    async stop() {
      child.removeAllListeners('exit');
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGINT');
      await exited;
    },
  };
}

const answers = (url) =>
  fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );

async function startup() {
  await pinFlags();
  const ready = [];
  let idle;
  let breakdown;
  for (let i = 1; i <= rounds; i++) {
    const up = await labUp();
    ready.push(up.readyS);
    if (i === 1) {
      // Idle: ready, nothing asked of it yet, after its first background reads.
      await new Promise((resolve) => setTimeout(resolve, 5_000));
      idle = up.memory();
      breakdown = await up.breakdown();
    }
    await up.stop();
    say(`startup round ${i}: ready in ${round(up.readyS, 1)} s`);
  }
  results.startup = {
    readyS: spread(ready),
    idleRssMb: idle,
    idleBreakdown: breakdown,
    emptyNodeMb: await emptyNode(),
  };
}

/** The floor: a Node process that has loaded nothing. */
async function emptyNode() {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const memory = memoryOf(child.pid);
  child.kill();
  return memory;
}

/** A service's V8 heap in MB from its /metrics (the runtime instrumentation's v8js_memory_* gauges). */
async function heapOf(name) {
  const text = await (await fetch(`${urlOf(options, name)}/metrics`)).text();
  const sum = (metric, space) =>
    [...text.matchAll(new RegExp(`^${metric}\\{v8js_heap_space_name="([a-z_]+)"\\} (\\S+)$`, 'gm'))]
      .filter((match) => !space || match[1] === space)
      .reduce((total, match) => total + Number(match[2]), 0) /
    1024 ** 2;
  return {
    heap: round(sum('v8js_memory_heap_space_physical_size'), 0),
    heapUsed: round(sum('v8js_memory_heap_used'), 0),
    newSpace: round(sum('v8js_memory_heap_space_physical_size', 'new_space'), 0),
  };
}

/** The same products query on a bare Express 5 + mysql2 server with a pool of 10: the floor. */
async function bareExpress() {
  const pool = mysql.createPool({
    uri: options.mysqlUrl,
    database: databaseName(options.namespace, 'storefront'),
    connectionLimit: 10,
  });
  const app = express();
  app.get('/api/products', async (_request, response) => {
    try {
      const [rows] = await pool.query(
        'SELECT id, sku, name, price_cents AS priceCents FROM products ORDER BY id',
      );
      response.json({ products: rows });
    } catch {
      // Requests still queued for a connection when wrk has gone and stop() ends the pool.
      response.status(503).end();
    }
  });
  const server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: async () => {
      await new Promise((r) => server.close(r));
      await pool.end();
    },
  };
}

function luaScript(name, body, headers) {
  const file = path.join(work, `${name}.lua`);
  const lines = [`wrk.method = "POST"`, `wrk.body = '${JSON.stringify(body)}'`];
  for (const [key, value] of Object.entries({ 'Content-Type': 'application/json', ...headers }))
    lines.push(`wrk.headers["${key}"] = "${value}"`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

async function throughput() {
  const receiver = await acceptingReceiver();
  const configs = {
    'telemetry on, exporting to a receiver that accepts': { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url },
    'telemetry on, exporting to nothing listening': { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    // What is left without spans: context propagation, the instrumentations' patches, the metrics.
    'telemetry on without traces (OTEL_TRACES_EXPORTER=none)': {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_TRACES_EXPORTER: 'none',
    },
    'telemetry off (OTEL_SDK_DISABLED)': { OTEL_SDK_DISABLED: 'true' },
  };
  const login = { email: 'user1@shop.test', password: 'lab-password' };
  const samples = {};
  const add = (config, endpoint, value) => {
    samples[config] ??= {};
    samples[config][endpoint] ??= [];
    samples[config][endpoint].push(value);
  };
  for (let i = 1; i <= rounds; i++) {
    for (const [config, env] of Object.entries(configs)) {
      const lab = await startBenchLab({ serviceEnv: { ...env, LOG_LEVEL: 'warn' } });
      const storefront = urlOf(options, 'storefront');
      const token = (
        await (
          await fetch(`${storefront}/api/login`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(login),
          })
        ).json()
      ).token;
      add(config, 'GET /api/products', await wrk(`${storefront}/api/products`, { seconds }));
      add(
        config,
        'POST /api/login',
        await wrk(`${storefront}/api/login`, { seconds, script: luaScript('login', login) }),
      );
      const order = { items: [{ productId: 1, quantity: 1 }] };
      add(
        config,
        'POST /api/orders',
        await wrk(`${storefront}/api/orders`, {
          seconds,
          script: luaScript('checkout', order, { Authorization: `Bearer ${token}` }),
        }),
      );
      await lab.stop();
      say(`throughput round ${i}: ${config} done`);
    }
    const bare = await bareExpress();
    add(
      'bare Express 5 + mysql2, pool of 10',
      'GET /api/products',
      await wrk(`${bare.url}/api/products`, { seconds }),
    );
    await bare.stop();
  }
  await receiver.stop();
  const summary = {};
  for (const [config, endpoints] of Object.entries(samples)) {
    summary[config] = {};
    for (const [endpoint, runs] of Object.entries(endpoints)) {
      const non2xx = runs.reduce((sum, each) => sum + each.non2xx, 0);
      const requests = runs.reduce((sum, each) => sum + each.requests, 0);
      summary[config][endpoint] = {
        rps: spread(runs.map((each) => each.rps)),
        p99Ms: spread(runs.map((each) => each.p99Ms ?? 0)),
        non2xx,
        requests,
        // Refusals are not throughput: such a cell is reported as failed and left out of every ratio.
        ...(non2xx > requests * MAX_NON_2XX
          ? { failed: `${non2xx} of ${requests} answers were not 2xx (over ${MAX_NON_2XX * 100} %)` }
          : {}),
      };
    }
  }
  for (const [config, endpoints] of Object.entries(summary))
    for (const [endpoint, cell] of Object.entries(endpoints))
      if (cell.failed) say(`throughput FAILED: ${config}, ${endpoint}: ${cell.failed}`);
  const median = (config, endpoint) =>
    summary[config]?.[endpoint]?.failed ? Number.NaN : (summary[config]?.[endpoint]?.rps.median ?? 0);
  const [accepting, nothing, untraced, off] = Object.keys(configs);
  const ratios = {};
  for (const endpoint of Object.keys(summary[off])) {
    ratios[endpoint] = {
      'telemetry on (accepting) / off': round(median(accepting, endpoint) / median(off, endpoint), 2),
      'telemetry on (nothing listening) / off': round(median(nothing, endpoint) / median(off, endpoint), 2),
      'telemetry on without traces / off': round(median(untraced, endpoint) / median(off, endpoint), 2),
    };
  }
  ratios['GET /api/products']['storefront as lab up runs it (accepting) / bare Express'] = round(
    median(accepting, 'GET /api/products') /
      median('bare Express 5 + mysql2, pool of 10', 'GET /api/products'),
    2,
  );
  ratios['GET /api/products']['storefront, telemetry off / bare Express'] = round(
    median(off, 'GET /api/products') / median('bare Express 5 + mysql2, pool of 10', 'GET /api/products'),
    2,
  );
  // A ratio with a failed side is no figure (NaN becomes null in the JSON and "failed" in the table).
  for (const byName of Object.values(ratios))
    for (const [name, value] of Object.entries(byName)) if (!Number.isFinite(value)) byName[name] = null;
  results.throughput = { flags: 'every fault and every fix at its shipped variant (off)', summary, ratios };
}

/** Runs `lab` as a learner would, as a child process with the bench lab's environment. */
function labCommand(args) {
  return spawn(process.execPath, [LAB_BIN, ...args], { env: benchEnv, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function labs() {
  // Each `lab run` sets and restores its phases' flags; it starts from the pinned ones.
  await pinFlags();
  const measuredAt = new Date().toISOString();
  const up = await labUp();
  const samples = [];
  const sampler = setInterval(() => samples.push({ at: Date.now(), ...up.memory() }), 1_000);
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  const idle = samples.at(-1);
  const runs = {};
  for (const lab of chosenLabs) {
    for (let run = 1; run <= labRuns; run++) {
      const json = path.join(work, `${lab}-${run}.json`);
      const started = performance.now();
      const crashesBefore = up.crashes();
      // The silent lab's fix is judged by its alerts: it runs with Prometheus, as its guide says.
      const observe = lab === 'silent' ? ['--observe', '--prometheus-port', '5090'] : [];
      const child = labCommand(['run', lab, '--json', json, ...observe]);
      child.stdout.resume();
      child.stderr.resume();
      const code = await new Promise((resolve) => child.on('exit', resolve));
      const wallS = (performance.now() - started) / 1000;
      const report = require(json);
      const phases = {};
      for (const [name, phase] of Object.entries(report.phases)) {
        const from = Date.parse(phase.startedAt);
        const to = Date.parse(phase.finishedAt);
        const during = samples.filter((sample) => sample.at >= from && sample.at <= to);
        const peak = during.reduce(
          (best, sample) => (sample.total > (best?.total ?? -1) ? sample : best),
          undefined,
        );
        phases[name] = {
          passed: phase.hypothesis.passed,
          headline: Object.fromEntries(
            phase.hypothesis.probes
              .filter((probe) => probe.headline)
              .map((probe) => [probe.name, probe.value]),
          ),
          peakRssMb: peak ? { total: peak.total, byName: peak.byName } : undefined,
        };
      }
      runs[lab] ??= [];
      runs[lab].push({
        exitCode: code,
        wallS: round(wallS, 0),
        phases,
        crashes: up.crashes() - crashesBefore,
      });
      say(
        `lab run ${lab} (${run}/${labRuns}): ${round(wallS, 0)} s, fixed ${phases.fixed?.passed ? 'holds' : 'fails'}`,
      );
    }
  }
  clearInterval(sampler);
  await up.stop();
  // Each process's own peak over every run (compose's mem_limits are sized from these).
  const peakByName = {};
  for (const sample of samples)
    for (const [name, mb] of Object.entries(sample.byName))
      peakByName[name] = Math.max(peakByName[name] ?? 0, mb);
  const summary = {};
  for (const [lab, list] of Object.entries(runs)) {
    summary[lab] = {
      measuredAt,
      wallS: spread(list.map((each) => each.wallS)),
      fixedHolds: `${list.filter((each) => each.phases.fixed?.passed).length} of ${list.length}`,
      brokenFails: `${list.filter((each) => each.phases.broken && !each.phases.broken.passed).length} of ${list.length}`,
      crashes: list.reduce((sum, each) => sum + each.crashes, 0),
      peakRssMb: Object.fromEntries(
        ['broken', 'fixed'].map((phase) => [
          phase,
          spread(list.map((each) => each.phases[phase]?.peakRssMb?.total ?? 0)),
        ]),
      ),
      headline: Object.fromEntries(
        ['broken', 'fixed'].map((phase) => [
          phase,
          Object.fromEntries(
            Object.keys(list[0]?.phases[phase]?.headline ?? {}).map((probe) => [
              probe,
              spread(list.map((each) => each.phases[phase].headline[probe])),
            ]),
          ),
        ]),
      ),
    };
  }
  // Labs not chosen this time keep their figures from the last run (each says when it was measured).
  const before = earlier.labs ?? {};
  for (const each of Object.values(before.summary ?? {})) each.measuredAt ??= earlier.measuredAt?.labs;
  for (const [name, mb] of Object.entries(before.peakByName ?? {}))
    peakByName[name] = Math.max(peakByName[name] ?? 0, mb);
  results.labs = {
    idleRssMb: idle,
    summary: { ...before.summary, ...summary },
    runs: { ...before.runs, ...runs },
    peakByName,
  };
}

async function consoleBench() {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--expose-gc', path.join(ROOT, 'packages/console/bench/console-bench.mjs')],
    { maxBuffer: 1 << 20 },
  );
  results.console = JSON.parse(stdout);
}

/** Both files, written after each part: a part that fails later keeps what the earlier ones measured. */
async function write() {
  writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(
    path.join(ROOT, 'bench/results.md'),
    (await import('./render-results.mjs')).renderResults(
      results,
      readFileSync(path.join(ROOT, 'bench/what-each-change-bought.md'), 'utf8'),
    ),
  );
}

/** `lab capacity` on the bench's lab, both phases (about 12 minutes): the figures and the two charts. */
async function capacityBench() {
  const json = path.join(work, 'capacity.json');
  const up = await labUp();
  const child = labCommand(['capacity', '--phase', 'both', '--seed', '1', '--out', work, '--json', json]);
  // The run's own lines (each step, the capacity, the recovery) as it goes: it is long.
  child.stdout.on('data', (chunk) => {
    for (const line of String(chunk).split('\n'))
      if (line.trim() && !line.startsWith('[capacity')) say(`  ${line.trim()}`);
  });
  child.stderr.resume();
  const code = await new Promise((resolve) => child.on('exit', resolve));
  await up.stop();
  const report = JSON.parse(readFileSync(json, 'utf8'));
  const { capacityCurveSvg, capacityOverloadSvg } = require('@incident-lab/lab');
  writeFileSync(path.join(ROOT, 'bench/capacity-curve.svg'), `${capacityCurveSvg(report)}\n`);
  writeFileSync(path.join(ROOT, 'bench/capacity-overload.svg'), `${capacityOverloadSvg(report)}\n`);
  results.capacity = {
    command: 'npm run bench -- --only capacity',
    exitCode: code,
    seed: report.seed,
    settings: report.settings,
    notes: report.notes,
    phases: Object.fromEntries(
      Object.entries(report.phases).map(([name, phase]) => [
        name,
        {
          capacityPerS: phase.capacityPerS,
          overloadBasePerS: phase.overloadBasePerS,
          search: phase.search,
          overload: phase.overload,
          recoveryS: phase.recoveryS,
          claims: phase.claims,
          passed: phase.passed,
        },
      ]),
    ),
  };
}

const steps = { startup, throughput, labs, console: consoleBench, capacity: capacityBench };
for (const part of PARTS) {
  if (!only.has(part)) continue;
  say(`${part}…`);
  results.measuredAt[part] = new Date().toISOString();
  await steps[part]();
  await write();
}
// The bench lab's schemas and queues stay (namespace `bench`: the next run skips seeding its history).
rmSync(work, { recursive: true, force: true });
say('wrote bench/results.json and bench/results.md');
