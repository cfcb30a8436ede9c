import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { databaseName, SCHEMA_OWNERS } from '@incident-lab/config';
import { dropDatabase } from '@incident-lab/db';
import { deleteTopology } from '@incident-lab/messaging';
import { afterAll, describe, expect, it } from 'vitest';
import { labOptions } from './settings/lab-options';
import { readLabState } from './supervisor/lab-state';
import { isReady } from './supervisor/readiness';

const namespace = `uptest_${process.pid}`;
const stateRoot = mkdtempSync(path.join(tmpdir(), 'lab-state-'));
const options = labOptions({ ...process.env, LAB_STATE_DIR: stateRoot }, { namespace, portBase: 4500 });

afterAll(async () => {
  for (const owner of SCHEMA_OWNERS) await dropDatabase(options.mysqlUrl, databaseName(namespace, owner));
  await deleteTopology(options.amqpUrl, namespace);
  rmSync(stateRoot, { recursive: true, force: true });
});

describe('lab up', () => {
  it('starts every service, prints their URLs with prefixed logs, restarts one that dies, and stops them all on Ctrl-C', async () => {
    const child = spawn(process.execPath, [path.join(__dirname, '../bin/lab.js'), 'up'], {
      env: { ...process.env, LAB_NAMESPACE: namespace, LAB_PORT_BASE: '4500', LAB_STATE_DIR: stateRoot },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!output.includes('Press Ctrl-C to stop.') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(output).toContain('The lab is up:');
    for (const [service, port] of [
      ['storefront', 4500],
      ['payments', 4501],
      ['provider-backup', 4503],
      ['reconciler', 4505],
    ] as const) {
      expect(output).toMatch(new RegExp(`${service}\\s+http://127.0.0.1:${port}`));
    }
    expect(output).toMatch(/^storefront\s+\| \d\d:\d\d:\d\d INFO listening/m);
    expect(await isReady('http://127.0.0.1:4500')).toBe(true);
    // The lab console comes up with it, 80 above storefront, for this lab.
    expect(output).toMatch(/Console\s+http:\/\/127\.0\.0\.1:4580/);
    const status = (await (await fetch('http://127.0.0.1:4580/api/status')).json()) as { namespace: string };
    expect(status.namespace).toBe(namespace);

    // A service that dies is said to have died, with its signal, and started again.
    const invoicing = (await readLabState(options.stateDir))?.services.find(
      (each) => each.name === 'invoicing',
    );
    process.kill(invoicing?.pid as number, 'SIGKILL');
    while (
      !/^invoicing\s+\| .*ready again \d+ ms after it exited/m.test(output) &&
      Date.now() < deadline + 30_000
    ) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(output).toMatch(
      /^invoicing\s+\| .*exited unexpectedly \(signal SIGKILL\); restarting in \d+ ms \(restart 1\)/m,
    );
    expect(output).toMatch(/^invoicing\s+\| .*ready again \d+ ms after it exited/m);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Stopped.');
    expect(await isReady('http://127.0.0.1:4500')).toBe(false);
    await expect(fetch('http://127.0.0.1:4580/api/status')).rejects.toThrow();
  }, 90_000); // its own waits: up to 60 s to start, 30 s more for the restart
});
