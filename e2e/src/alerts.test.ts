import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DRILL_FAULTS } from '@incident-lab/scenarios';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { metricNames } from './support/dashboards';
import { exportedMetricNames } from './support/sources';

const root = path.resolve(__dirname, '../..');
const dir = path.join(root, 'infra/prometheus');

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

const rules = (
  parse(readFileSync(path.join(dir, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }
).groups.flatMap((group) => group.rules);

/** promtool comes with Debian's prometheus package (.ci/run installs it). */
const promtool = (...args: string[]) =>
  execFileSync('promtool', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('Prometheus alert rules (infra/prometheus/alerts.yml)', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', 'alerts.yml')).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass their promtool unit tests: each fires on a broken series and stays quiet on a healthy one', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toContain('SUCCESS');
    const tests = readFileSync(path.join(dir, 'alerts.test.yml'), 'utf8');
    for (const rule of rules) {
      expect(tests, `${rule.alert} fires somewhere`).toMatch(
        new RegExp(`alertname: ${rule.alert}\\n\\s+exp_alerts:\\n`),
      );
      expect(tests, `${rule.alert} stays quiet somewhere`).toContain(
        `alertname: ${rule.alert}, exp_alerts: [] }`,
      );
    }
  });

  it.each(rules)(
    '$alert has a for, a severity, a summary, a description and a runbook that exists',
    (rule) => {
      expect(rule.for).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary).toBeTruthy();
      expect(rule.annotations?.description).toMatch(/\$value/);
      // An absolute link under the external label runbook_base, to a runbook the console serves.
      const url = rule.annotations?.runbook_url ?? '';
      expect(url).toMatch(/^\{\{ \$externalLabels\.runbook_base \}\}\/[a-z-]+\.md$/);
      const runbook = path.join(root, 'lab-guides/runbooks', path.basename(url));
      expect(existsSync(runbook), url).toBe(true);
      expect(readFileSync(runbook, 'utf8')).toContain(rule.alert);
    },
  );

  it('name only metrics the services export', () => {
    const exported = exportedMetricNames();
    // The HTTP instrumentation's semconv histogram, which no line of the lab's code declares.
    const instrumentation = (name: string) => /^http_server_request_duration_(bucket|sum|count)$/.test(name);
    const unknown = rules.flatMap((rule) =>
      metricNames(rule.expr)
        .filter((name) => !exported.has(name.replace(/_total$/, '')) && !instrumentation(name))
        .map((name) => `${rule.alert}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });
});

describe("the game day's catalogue and the lab's signals", () => {
  it('expects only alerts the lab has', () => {
    const names = new Set(rules.map((rule) => rule.alert));
    const unknown = DRILL_FAULTS.flatMap((fault) =>
      fault.alerts.filter((alert) => !names.has(alert)).map((alert) => `${fault.id}: ${alert}`),
    );
    expect(unknown).toEqual([]);
  });

  it('has every fault detected from the signals alone in the last sweep (npm run drill:sweep)', () => {
    // A new fault needs a rule in packages/lab/src/drill/detector.ts that names its service, and a
    // sweep that shows it; a fault no signal reveals is a silent failure of the lab itself.
    const sweep = JSON.parse(readFileSync(path.join(root, 'bench/detectability.json'), 'utf8')) as {
      detections: Array<{ fault: string; service: string; detectedAfterS?: number }>;
    };
    const detected = new Map(sweep.detections.map((each) => [each.fault, each]));
    for (const fault of DRILL_FAULTS) {
      const found = detected.get(fault.id);
      expect(found, `${fault.id} is in bench/detectability.json`).toBeDefined();
      expect(found?.service, fault.id).toBe(fault.service);
      expect(found?.detectedAfterS, `${fault.id} was named by the signals`).toBeTypeOf('number');
    }
  });
});
