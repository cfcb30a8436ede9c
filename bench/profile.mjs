// Where storefront's time and memory go under load: `npm run bench:profile`. It starts a lab of its
// own (namespace `bench`, ports from 5000), drives GET /api/products with wrk and prints throughput,
// storefront's CPU time per request, its spans per request, its memory idle, at the peak and after a
// full garbage collection, and with --cpu-profile the CPU profile's self time by package (the
// profile itself is written for Chrome DevTools). Needs MySQL, RabbitMQ and wrk.
//
//   npm run bench:profile                                  # telemetry on, 8 s
//   npm run bench:profile -- --cpu-profile                 # and where the CPU time goes
//   npm run bench:profile -- --telemetry off               # the same build without telemetry
//   npm run bench:profile -- --node-options="--max-old-space-size=4096"   # other V8 limits
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs, promisify } from 'node:util';
import { acceptingReceiver, memoryOf, processName, processTree, round, scratchLab, wrk } from './measure.mjs';

const require = createRequire(import.meta.url);
const TELEMETRY = {
  on: { what: 'telemetry on, exporting to a receiver that accepts', env: {} },
  untraced: {
    what: 'telemetry on without traces (OTEL_TRACES_EXPORTER=none)',
    env: { OTEL_TRACES_EXPORTER: 'none' },
  },
  off: { what: 'telemetry off (OTEL_SDK_DISABLED)', env: { OTEL_SDK_DISABLED: 'true' } },
};

let values;
try {
  ({ values } = parseArgs({
    options: {
      telemetry: { type: 'string', default: 'on' },
      seconds: { type: 'string', default: '8' },
      'node-options': { type: 'string', default: '' },
      'cpu-profile': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  console.error(`${error.message.split('\n')[0]}; see npm run bench:profile -- --help`);
  process.exit(2);
}
if (values.help) {
  console.log(`npm run bench:profile -- [--telemetry on|untraced|off] [--seconds S] [--node-options "…"] [--cpu-profile]
  Storefront under wrk (1 thread, 32 connections) on GET /api/products, in a lab of its own:
  req/s and p99, storefront's CPU time and spans per request, its RSS idle and at the peak, its V8
  heap after the load before and after a full garbage collection.
  --telemetry     on (exporting to a receiver that accepts), untraced (OTEL_TRACES_EXPORTER=none:
                  context, instrumentations and metrics only) or off (OTEL_SDK_DISABLED)
  --node-options  Node/V8 flags for the services after the lab's own, which they override
                  (SERVICE_NODE_FLAGS in packages/lab/src/supervisor/supervisor.ts)
  --cpu-profile   profile storefront's main thread during the load (costs some throughput) and print
                  its self time by package; the .cpuprofile opens in Chrome DevTools`);
  process.exit(0);
}
const telemetry = TELEMETRY[values.telemetry];
if (!telemetry) {
  console.error(`--telemetry takes on, untraced or off, not "${values.telemetry}"`);
  process.exit(2);
}
const seconds = Number(values.seconds);
if (!Number.isInteger(seconds) || seconds < 1) {
  console.error(`--seconds must be a whole number of 1 or more, not "${values.seconds}"`);
  process.exit(2);
}
await promisify(execFile)('wrk', ['--version']).catch((error) => {
  if (error.code === 'ENOENT') {
    console.error('wrk is not installed (apt install wrk)');
    process.exit(2);
  }
});

const { labOptions, startLab, urlOf } = require('@incident-lab/lab');
const { work, env } = scratchLab('bench', 5000);
const options = labOptions(env);

const receiver = await acceptingReceiver();

const lab = await startLab(
  { ...options, stateDir: mkdtempSync(path.join(work, 'state-')) },
  {
    serviceEnv: {
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      ...telemetry.env,
      NODE_OPTIONS: `--require ${path.join(import.meta.dirname, 'profile-hook.cjs')}`,
      PROFILE_SERVICE: 'storefront',
      PROFILE_DIR: work,
    },
    nodeFlags: values['node-options'].split(/\s+/).filter(Boolean),
  },
);
const storefront = urlOf(options, 'storefront');
const pid = [...processTree(process.pid)].find(([each, cmd]) => processName(each, cmd) === 'storefront')?.[0];

/** storefront's CPU time (user + system, every thread) in µs, from /proc/<pid>/stat. */
function cpuMicros() {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // clock ticks of 1/100 s
}
/** Spans storefront's span processor has handled, from its /metrics. */
async function spansProcessed() {
  const text = await (await fetch(`${storefront}/metrics`)).text();
  return [...text.matchAll(/^otel_sdk_processor_span_processed_total(?:\{[^}]*\})? (\S+)$/gm)].reduce(
    (sum, match) => sum + Number(match[1]),
    0,
  );
}

await fetch(`${storefront}/api/products`); // warm the route and the pool once
const idle = memoryOf(pid);
let peak = idle.rss;
const sampler = setInterval(() => {
  peak = Math.max(peak, memoryOf(pid)?.rss ?? 0);
}, 200);
/** Sends storefront SIGUSR2 and waits for the hook's answer file (two signals sent at once would merge). */
async function signalAndWait(file) {
  process.kill(pid, 'SIGUSR2');
  for (let tries = 0; tries < 300; tries++) {
    await sleep(100);
    try {
      return readFileSync(path.join(work, file), 'utf8');
    } catch {}
  }
  throw new Error(`storefront's profile hook did not write ${file} within 30 s`);
}

const spansBefore = await spansProcessed();
const cpuBefore = cpuMicros();
if (values['cpu-profile']) await signalAndWait('storefront.started');
const result = await wrk(`${storefront}/api/products`, { seconds });
const cpuPerRequest = (cpuMicros() - cpuBefore) / result.requests;
clearInterval(sampler);
// Stop the profile (without --cpu-profile, an empty one) and read the memory before and after a GC.
if (!values['cpu-profile']) await signalAndWait('storefront.started');
const memory = JSON.parse(await signalAndWait('storefront.memory.json'));
await sleep(1_500); // the batch processor's next export
const spans = (await spansProcessed()) - spansBefore;
await lab.stop();
await receiver.stop();

const mb = (bytes) => `${round(bytes / 1024 ** 2, 0)} MB`;
console.log(`GET /api/products for ${seconds} s, ${telemetry.what}${values['node-options'] ? `, ${values['node-options']}` : ''}:
  ${result.rps} req/s, p99 ${result.p99Ms} ms, ${result.non2xx} non-2xx
  storefront CPU per request: ${round(cpuPerRequest, 0)} µs (user + system, every thread)
  spans per request: ${round(spans / result.requests, 2)}; OTLP bytes per request: ${round(receiver.bytes() / result.requests, 0)}
  storefront RSS: idle ${idle.rss} MB, peak ${peak} MB
  after the load, V8 heap in use ${mb(memory.beforeGc.heapUsed)} of ${mb(memory.beforeGc.heapTotal)}; after a full GC ${mb(memory.afterGc.heapUsed)} of ${mb(memory.afterGc.heapTotal)}, RSS ${mb(memory.afterGc.rss)}`);

if (values['cpu-profile']) {
  const profile = JSON.parse(readFileSync(path.join(work, 'storefront.cpuprofile'), 'utf8'));
  const kept = path.join(os.tmpdir(), `storefront-${Date.now()}.cpuprofile`);
  copyFileSync(path.join(work, 'storefront.cpuprofile'), kept);
  console.log(`\n  self time by package, storefront's main thread (${kept}):`);
  for (const [name, share] of selfTimeByPackage(profile).slice(0, 15))
    console.log(
      `  ${round(share * 100, 1)
        .toFixed(1)
        .padStart(6)} %  ${name}`,
    );
}
rmSync(work, { recursive: true, force: true });

/** The profile's samples by the package of the function they were in: node_modules name, workspace or Node itself. */
function selfTimeByPackage(profile) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byPackage = new Map();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const url = nodes.get(id)?.callFrame.url ?? '';
    const name = url
      ? (/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
        /\/((?:packages|services)\/[^/]+)\//.exec(url)?.[1] ??
        (url.startsWith('node:') ? 'node: (Node.js itself)' : url))
      : /^\(/.test(nodes.get(id)?.callFrame.functionName ?? '') // (garbage collector), (idle), (program)
        ? nodes.get(id).callFrame.functionName
        : `${nodes.get(id)?.callFrame.functionName || 'anonymous'} (native)`;
    byPackage.set(name, (byPackage.get(name) ?? 0) + delta);
    total += delta;
  });
  return [...byPackage].map(([name, time]) => [name, time / total]).sort((a, b) => b[1] - a[1]);
}
