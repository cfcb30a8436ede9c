import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { applyAssignments, type FlagFile, parseAssignments, SHIPPED_FLAG_FILE } from '@incident-lab/flags';
import { topology } from '@incident-lab/messaging';
import { describe, expect, it } from 'vitest';
import { dashboards } from './support/dashboards';
import { sources } from './support/sources';

const root = path.resolve(__dirname, '../..');
const guidesDir = path.join(root, 'lab-guides');
/** The lab guides and the alerts' runbooks: both tell people what to type and where to look. */
const guides = ['', 'runbooks/'].flatMap((sub) =>
  readdirSync(path.join(guidesDir, sub))
    .filter((file) => file.endsWith('.md'))
    .map((file) => ({ file: sub + file, text: readFileSync(path.join(guidesDir, sub, file), 'utf8') })),
);

const code = sources();
const queueNames = Object.values(topology('lab').queues).map((queue) => queue.name);
const help = execFileSync(process.execPath, [path.join(root, 'packages/lab/bin/lab.js'), '--help'], {
  encoding: 'utf8',
});

describe.each(guides)('lab guide $file names only things that exist', ({ file, text }) => {
  it('links to files that exist', () => {
    for (const [, target] of text.matchAll(/\]\(((?:\.\.?\/)[^)#\s]+)(?:#[^)]*)?\)/g)) {
      const resolved = path.resolve(guidesDir, path.dirname(file), target as string);
      expect(existsSync(resolved), `${target} (from ${file})`).toBe(true);
    }
  });

  it('uses lab commands the CLI has', () => {
    for (const [, command] of text.matchAll(/npx lab ([a-z]+)/g))
      expect(help, `lab ${command}`).toContain(`lab ${command}`);
  });

  it('sets flags to variants they have', () => {
    const flags = JSON.parse(readFileSync(SHIPPED_FLAG_FILE, 'utf8')) as FlagFile;
    for (const [, words] of text.matchAll(/npx lab flags set ((?:[\w.-]+=[\w.-]+[ ,]?)+)/g)) {
      const assignments = parseAssignments(String(words).trim().split(/\s+/));
      if (Object.values(assignments).includes('maybe')) continue; // the guide's deliberate typo
      expect(() => applyAssignments(structuredClone(flags), assignments), words).not.toThrow();
    }
  });

  it('names metrics the services export', () => {
    // Label lists such as `{shop_job,outcome}` name labels, not metrics.
    for (const [name] of text.replace(/\{[^}]*\}/g, '{}').matchAll(/\bshop_[a-z_]+/g)) {
      expect(code, name).toContain(`'${name.replace(/_total$/, '')}'`);
    }
  });

  it('names problem types and queues that exist', () => {
    for (const [, type] of text.matchAll(/\/problems\/([a-z-]+)/g)) expect(code, type).toContain(`'${type}'`);
    for (const [queue] of text.matchAll(/\blab\.[a-z]+(?:\.[a-z-]+|-[a-z-]+)?\b/g))
      expect(queueNames, queue).toContain(queue);
  });

  it('names dashboards and panels that exist', () => {
    const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`]*`/g, '');
    const titles = new Set(
      dashboards.flatMap(({ dashboard }) => dashboard.panels.map((panel) => panel.title)),
    );
    for (const [, title] of prose.matchAll(/"([A-Z][^"]{3,60})"/g))
      expect([...titles], `panel "${title}"`).toContain(title);
    const dashboardTitles = dashboards.map(({ dashboard }) => dashboard.title);
    for (const [, title] of prose.matchAll(/\*\*(Lab \d[^*]+)\*\*/g))
      expect(dashboardTitles).toContain(title);
  });

  it('names spans, span attributes and span events the code creates', () => {
    for (const [, name] of text.matchAll(/`([a-z]+(?:\.[a-z_]+)+(?: attempt)?)`/g)) {
      if (/\.(md|html|json|ts)$/.test(name as string)) continue;
      if (name?.startsWith('lab.')) {
        expect(queueNames, name).toContain(name);
        continue;
      }
      expect(code, name).toContain(`'${name}'`);
    }
    for (const [, phrase] of text.matchAll(/`((?:circuit breaker|retry|failing over)[a-z -]*)`/g)) {
      const state = /^circuit breaker (.+)$/.exec(phrase as string)?.[1];
      if (state) expect(code, phrase).toContain(`'${state}'`);
      else expect(code, phrase).toContain(`'${phrase}'`);
    }
  });
});

/** A service's source files outside its lessons (tests aside). */
function coreSources(service: string): string[] {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'lessons') walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.includes('.test'))
        texts.push(readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(root, 'services', service, 'src'));
  return texts;
}

describe('every fix has a lesson, and its lab guide links it', () => {
  const flags = (JSON.parse(readFileSync(SHIPPED_FLAG_FILE, 'utf8')) as FlagFile).flags;
  const guideOf: Record<string, string> = {
    cascading: '01-cascading-failures.md',
    partial: '02-partial-failures.md',
    silent: '03-silent-failures.md',
  };
  const fixes = Object.entries(flags).filter(([, flag]) => flag.metadata.kind === 'fix');

  it.each(fixes)(
    '%s: broken and fixed code in services/*/src/lessons/, one click from the guide',
    (key, flag) => {
      const lessons = readdirSync(path.join(root, 'services'))
        .map((service) => `services/${service}/src/lessons/${key}.ts`)
        .filter((file) => existsSync(path.join(root, file)));
      expect(lessons, key).not.toEqual([]);
      const guide = readFileSync(path.join(guidesDir, guideOf[flag.metadata.lab] as string), 'utf8');
      for (const lesson of lessons) {
        expect(guide, lesson).toContain(`](../${lesson})`);
        // A lesson chooses between its two behaviours from the flag's value, in one place, and the
        // service's core hands it that value from its snapshot.
        const text = readFileSync(path.join(root, lesson), 'utf8');
        expect(text, lesson).toContain(`The lesson chosen by the \`${key}\` flag's value.`);
        const service = lesson.split('/')[1] as string;
        expect(
          coreSources(service).some((core) =>
            [`flags['${key}']`, `flags.${key}`].some((read) => core.includes(read)),
          ),
          `${service} reads ${key} from its snapshot for the lesson`,
        ).toBe(true);
      }
    },
  );
});
