// Small measuring tools for the lab's benchmark: process memory, wrk runs, medians.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const { SHIPPED_FLAG_FILE } = createRequire(import.meta.url)('@incident-lab/flags');

/**
 * A lab of a script's own: its namespace, ports, a state folder in the system's temporary folder and
 * a flag file copied from the shipped one, so nothing a learner set reaches what the script measures
 * and nothing it flips reaches the learner. `env` is what `labOptions` and `lab` read.
 */
export function scratchLab(namespace, portBase) {
  const work = mkdtempSync(path.join(os.tmpdir(), `lab-${namespace}-`));
  const flagFile = path.join(work, 'flags.json');
  copyFileSync(SHIPPED_FLAG_FILE, flagFile);
  const env = {
    ...process.env,
    LAB_NAMESPACE: namespace,
    LAB_PORT_BASE: String(portBase),
    LAB_STATE_DIR: work,
    FLAGD_OFFLINE_FLAG_SOURCE_PATH: flagFile,
  };
  return { work, flagFile, env };
}

/** Resident memory of a process in MB, from /proc (undefined once it has gone). */
export function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a process's memory is, in MB, from /proc: RSS split into file-backed pages (the node binary
 * and libraries, shared by every Node process) and anonymous ones (the V8 heap and native
 * allocations: buffers, sockets, compiled code), and PSS (shared pages divided among the processes
 * sharing them: the sum over processes is the physical memory they take together).
 */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    const kb = (text, field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(text)?.[1] ?? 0);
    const mb = (value) => Math.round(value / 1024);
    return {
      rss: mb(kb(status, 'VmRSS')),
      file: mb(kb(status, 'RssFile')),
      anonymous: mb(kb(status, 'RssAnon')),
      pss: mb(kb(rollup, 'Pss')),
    };
  } catch {
    return undefined;
  }
}

/** The process and every process under it, as pid → command line. */
export function processTree(rootPid) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (!stat) continue;
    if (!children.has(stat.ppid)) children.set(stat.ppid, []);
    children.get(stat.ppid).push(stat.pid);
  }
  const tree = new Map();
  const walk = (pid) => {
    const cmd = commandOf(pid);
    if (cmd !== undefined) tree.set(pid, cmd);
    for (const child of children.get(pid) ?? []) walk(child);
  };
  walk(rootPid);
  return tree;
}

function readStat(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command may hold spaces and parentheses: the fields after the last ')' are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function commandOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * The lab process a pid is: a service by the OTEL_SERVICE_NAME the supervisor gives it (the two
 * providers run the same file), `lab up` (supervisor and console), or none of the lab's.
 */
export function processName(pid, cmd) {
  if (/services\/[a-z-]+\/dist\/main\.js/.test(cmd)) {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const name = environ.find((entry) => entry.startsWith('OTEL_SERVICE_NAME='));
      if (name) return name.slice('OTEL_SERVICE_NAME='.length);
    } catch {
      return undefined;
    }
  }
  if (/lab(\.js)? up/.test(cmd)) return 'lab up (supervisor + console)';
  return undefined;
}

/** Median, min and max of a list of numbers. */
export function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const median =
    sorted.length % 2
      ? sorted[(sorted.length - 1) / 2]
      : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
  return {
    median: round(median),
    min: round(sorted[0]),
    max: round(sorted[sorted.length - 1]),
    n: sorted.length,
  };
}

export const round = (value, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * One wrk run: throughput and p99 latency, with the non-2xx answers counted so a run that only
 * measured refusals cannot pass for a fast one.
 */
export async function wrk(url, { seconds = 8, connections = 32, script } = {}) {
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    '--latency',
    ...(script ? ['-s', script] : []),
    url,
  ];
  const { stdout } = await run('wrk', args, { maxBuffer: 1 << 20 });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? 0);
  const p99 = /99%\s+([\d.]+)(us|ms|s)\b/.exec(stdout);
  const scale = { us: 0.001, ms: 1, s: 1000 };
  const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? 0);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(stdout)?.[1] ?? 0);
  const errors = /Socket errors: (.*)/.exec(stdout)?.[1];
  return {
    rps: round(rps, 0),
    p99Ms: p99 ? round(Number(p99[1]) * scale[p99[2]]) : undefined,
    requests,
    non2xx,
    ...(errors ? { socketErrors: errors } : {}),
  };
}

/** An OTLP receiver that accepts every export, keeps nothing and counts the bytes: the SDK's cost alone. */
export async function acceptingReceiver() {
  let bytes = 0;
  const server = createServer((request, response) => {
    request.on('data', (chunk) => {
      bytes += chunk.length;
    });
    request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    bytes: () => bytes,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
