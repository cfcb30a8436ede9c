import { mkdir, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlags } from '@incident-lab/flags';
import { detect, type Finding, type Observation, observeLab, suspect, sweepFaults } from '@incident-lab/lab';
import { DRILL_FAULTS, type DrillFault } from '@incident-lab/scenarios';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labCli, spawnLab, startTestLab, type TestLab, waitFor } from './support/test-lab';

let lab: TestLab;
let flagsAtStart: string;
let browser: Browser;
let page: Page;
/** Screenshots for a person to look at (git-ignored), beside the console's. */
const ARTIFACTS = path.resolve(__dirname, '../artifacts/drill');
/** Drills a test started: one that fails midway must not leave its drill running for the next. */
const drills: Array<ReturnType<typeof spawnLab>> = [];
/** Where a drill started without `--out` writes its report: not into the checkout. */
let reportsDir: string;
const startDrill = (args: string[]) => {
  const drill = spawnLab(lab, ['drill', ...(args.includes('--out') ? [] : ['--out', reportsDir]), ...args]);
  drills.push(drill);
  return drill;
};

beforeAll(async () => {
  lab = await startTestLab(4800, { console: true });
  flagsAtStart = await readFile(lab.options.flagFile, 'utf8');
  reportsDir = await mkdtemp(path.join(tmpdir(), 'lab-drill-reports-'));
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 120_000);

afterEach(async () => {
  for (const drill of drills.splice(0)) {
    drill.child.kill('SIGINT');
    await drill.exited;
  }
});

afterAll(async () => {
  await browser?.close();
  await lab?.stop();
});

const drillDir = () => path.join(lab.options.stateDir, 'drill');
const faultOf = (id: string) => DRILL_FAULTS.find((fault) => fault.id === id) as DrillFault;
const healthFlags = async (service: Parameters<TestLab['url']>[0]) =>
  (await (await fetch(`${lab.url(service)}/health/flags`)).json()) as { flags: Record<string, string> };

/** Every surface a learner reads without leaving the lab: what each of them says. */
async function surfaces(): Promise<Record<string, string>> {
  const read: Record<string, string> = {};
  read['lab flags list'] = (await labCli(lab, ['flags', 'list'])).stdout;
  read['lab drill status'] = (await labCli(lab, ['drill', 'status', '--json'])).stdout;
  read['the flag file'] = await readFile(lab.options.flagFile, 'utf8');
  for (const service of lab.lab.services) {
    read[`${service.name} /health/flags`] = await (await fetch(`${service.url}/health/flags`)).text();
    read[`${service.name} /metrics`] = await (await fetch(`${service.url}/metrics`)).text();
  }
  const consoleUrl = lab.console?.url as string;
  read['the console: flags'] = await (await fetch(`${consoleUrl}/api/flags`)).text();
  read['the console: drill'] = await (await fetch(`${consoleUrl}/api/drill`)).text();
  read['the console: logs'] = await (await fetch(`${consoleUrl}/api/logs?level=info`)).text();
  const { traces } = (await (await fetch(`${consoleUrl}/api/traces?limit=40&background=true`)).json()) as {
    traces: Array<{ traceId: string }>;
  };
  for (const trace of traces)
    read[`the console: trace ${trace.traceId}`] = await (
      await fetch(`${consoleUrl}/api/traces/${trace.traceId}`)
    ).text();
  for (const file of await readdir(drillDir()))
    read[`.lab/…/drill/${file}`] = await readFile(path.join(drillDir(), file), 'latin1');
  return read;
}

/**
 * Where a surface names the hidden fault: its id, or one of its hidden flags at its hidden variant
 * (a hidden flag already at that variant in the lab's file, such as the faults' target, hides nothing).
 */
function leaks(read: Record<string, string>, fault: DrillFault): string[] {
  const before = (JSON.parse(flagsAtStart) as { flags: Record<string, { defaultVariant: string }> }).flags;
  const found: string[] = [];
  for (const [surface, text] of Object.entries(read)) {
    if (text.includes(fault.id)) found.push(`${surface} names ${fault.id}`);
    for (const [flag, variant] of Object.entries(fault.hidden)) {
      if (before[flag]?.defaultVariant === variant) continue;
      const patterns = [
        `${flag} = ${variant}`,
        `"${flag}":"${variant}"`,
        `flag="${flag}",variant="${variant}"`,
        `"feature_flag.key":"${flag}","feature_flag.result.variant":"${variant}"`,
      ];
      for (const pattern of patterns)
        if (text.includes(pattern)) found.push(`${surface} shows ${flag}=${variant}`);
    }
  }
  return found;
}

/**
 * The learner: reads every service's /metrics every 3 s, as the sweep does, until the rules name a
 * service at the cause; a healthy observation first, as a reference.
 */
async function learnerFinds(baseline: Observation, limitMs: number): Promise<Finding | undefined> {
  const history = [baseline];
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    await sleep(3_000);
    const now = await observeLab(lab.options);
    const before = history.find((each) => each.atMs >= now.atMs - 22_000) ?? baseline;
    history.push(now);
    const named = suspect(detect(baseline, before, now));
    if (named?.atCause) return named;
  }
  return undefined;
}

describe('lab drill, the game day', () => {
  it('refuses what makes no sense, and changes nothing', async () => {
    const noDrill = await labCli(lab, ['drill', 'detect', 'something is off']);
    expect(noDrill.code).toBe(2);
    expect(noDrill.stdout).toContain('no drill is running in this lab');
    const level = await labCli(lab, ['drill', '--level', '4']);
    expect(level.code).toBe(2);
    expect(level.stdout).toContain('--level must be 1, 2 or 3, got "4"');
    const fault = await labCli(lab, ['drill', '--fault', 'gremlins']);
    expect(fault.code).toBe(2);
    expect(fault.stdout).toContain('--fault must be a catalogue fault: primary-down');
    const action = await labCli(lab, ['drill', 'sabotage']);
    expect(action.code).toBe(2);
    expect(action.stdout).toContain('unknown drill action "sabotage"');
    expect(await readFile(lab.options.flagFile, 'utf8')).toBe(flagsAtStart);
  });

  it('hides its fault from every surface; a learner who reads the signals finds it, names it and ends it', async () => {
    const fault = faultOf('primary-down');
    const out = await mkdtemp(path.join(tmpdir(), 'lab-drill-'));
    const drill = startDrill([
      '--seed',
      '7',
      '--fault',
      fault.id,
      '--delay',
      '15',
      '--max-minutes',
      '4',
      '--out',
      out,
    ]);
    await waitFor(
      'the drill to start',
      async () => (drill.output().includes('Drill started') ? true : undefined),
      30_000,
    );
    const second = await labCli(lab, ['drill', '--seed', '8']);
    expect(second.code).toBe(2);
    expect(second.stdout).toContain('a drill is already running in this lab');

    const named = await learnerFinds(await observeLab(lab.options), 90_000);
    expect(named).toMatchObject({ service: 'provider-primary', cause: 'dependency-down' });
    const read = await surfaces();
    expect(leaks(read, fault)).toEqual([]);
    // Every service that applies the flag shows it as the flag file has it: off.
    expect((await healthFlags('provider-primary')).flags['provider-outage']).toBe('off');

    // The learner follows the console: what failed, on the Traces page; what they see, on the Drill page.
    const consoleUrl = lab.console?.url as string;
    await page.goto(`${consoleUrl}/#/traces?error=true`);
    await expect
      .poll(() => page.locator('table.trace-list td.bad-status').count(), { timeout: 20_000 })
      .toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'traces-with-errors.png'), fullPage: true });
    await page.goto(`${consoleUrl}/#/drill`);
    await expect
      .poll(() => page.locator('.drill-clock').innerText(), { timeout: 10_000 })
      .toContain('Drill running');
    await page.locator('input[name="note"]').fill(named?.signal ?? 'checkouts fail');
    await page.getByRole('button', { name: 'Detect' }).click();
    // Each action runs the lab CLI in a process of its own (as a learner's terminal would): under a
    // drill's load on two cores its start alone can take seconds.
    const answered = { timeout: 20_000, interval: 250 };
    await expect.poll(() => page.locator('p.message').innerText(), answered).toContain('Recorded.');
    await page.locator('select[name="service"]').selectOption('payments');
    await page.locator('select[name="cause"]').selectOption('bad-release');
    await page.getByRole('button', { name: 'Diagnose' }).click();
    await expect.poll(() => page.locator('p.message').innerText(), answered).toContain('Not that');
    await page.screenshot({ path: path.join(ARTIFACTS, 'drill-page.png'), fullPage: true });
    const right = ['drill', 'diagnose', '--service', named?.service ?? '', '--cause', named?.cause ?? ''];
    expect((await labCli(lab, right)).code).toBe(0);
    await setFlags(lab.options.flagFile, { 'provider-circuit-breaker': 'on' });
    // Mitigated and named: the drill ends by itself.
    expect(await drill.exited).toBe(0);
    expect(drill.output()).toContain('every fault mitigated and named');
    const dir = path.join(out, (await readdir(out))[0] as string);
    const report = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8'));
    expect(report.faults[0]).toMatchObject({ id: fault.id, service: 'provider-primary', absorbed: false });
    expect(report.score).toMatchObject({ wrongDiagnoses: 1, hints: 0 });
    expect(report.score.mitigateS).toBeGreaterThan(0);
    expect(report.impact.byEndpoint.checkout.failed).toBeGreaterThan(0);
    expect(report.links.failedTraces.length).toBeGreaterThan(0);
    expect(await readFile(path.join(dir, 'incident.md'), 'utf8')).toMatch(
      /## Root cause\n\n- provider-primary/,
    );
    // The lab as it was: the learner's flags, nothing hidden in force.
    expect(await readFile(lab.options.flagFile, 'utf8')).toBe(flagsAtStart);
    expect(await readdir(drillDir())).toEqual(['status.json']);
  }, 240_000);

  it('reveal names the fault; Ctrl-C, and a drill whose process died, leave the flags as they were', async () => {
    const drill = startDrill(['--fault', 'job-failing', '--delay', '1', '--max-minutes', '3']);
    await waitFor(
      'the fault to be in force',
      async () =>
        (await readdir(drillDir()).catch((): string[] => [])).includes('overlay') ? true : undefined,
      30_000,
    );
    const revealed = await labCli(lab, ['drill', 'reveal']);
    expect(revealed.stdout).toContain('job-failing (reconciler, bad-release)');
    // Revealed, the reconciler shows what it applies.
    await waitFor('the reconciler to show the fault', async () =>
      (await healthFlags('reconciler')).flags['reconciler-job-fault'] === 'on' ? true : undefined,
    );
    drill.child.kill('SIGINT');
    expect(await drill.exited).toBe(0);
    expect(await readFile(lab.options.flagFile, 'utf8')).toBe(flagsAtStart);
    await waitFor('the reconciler to show its flag off again', async () =>
      (await healthFlags('reconciler')).flags['reconciler-job-fault'] === 'off' ? true : undefined,
    );

    // Killed without a goodbye: the next command that looks puts the flags back.
    const killed = startDrill(['--level', '3', '--delay', '1']);
    await waitFor(
      'the fault to be in force',
      async () =>
        (await readdir(drillDir()).catch((): string[] => [])).includes('overlay') ? true : undefined,
      30_000,
    );
    expect(await readFile(lab.options.flagFile, 'utf8')).not.toBe(flagsAtStart); // level 3: every fix on
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect((await labCli(lab, ['drill', 'status'])).stdout).toContain('lost its process');
    expect((await labCli(lab, ['drill', 'stop'])).stdout).toContain("The drill's process was gone");
    expect(await readFile(lab.options.flagFile, 'utf8')).toBe(flagsAtStart);
    expect(await readdir(drillDir())).toEqual(['status.json']);
  }, 120_000);

  it('every fault is detectable: the learner’s rules name a release bug’s service from its symptoms', async () => {
    // The npm test slice of `npm run drill:sweep` (bench/detectability.md has every fault).
    const [found] = await sweepFaults(lab.options, [faultOf('template-bug')], {
      limitS: 60,
      log: () => undefined,
    });
    expect(found).toMatchObject({ service: 'invoicing', cause: 'bad-release', causeRight: true });
    expect(found?.detectedAfterS).toBeLessThanOrEqual(60);
  }, 240_000);
});
