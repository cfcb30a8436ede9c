import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type FileImports, folderGraph, importGraph, loops } from './support/import-graph';

const ROOT = path.resolve(__dirname, '../..');
const SERVICES = readdirSync(path.join(ROOT, 'services'));
const fileEdges = (graph: Map<string, FileImports>) =>
  new Map([...graph].map(([file, imports]) => [file, imports.files]));

/** What each rule below finds in one service's `src/`. */
function serviceProblems(src: string, service: string) {
  const graph = importGraph(src);
  return {
    loops: loops(fileEdges(graph)),
    // A lesson exports the interface it implements and both halves; the core imports it, never
    // the reverse, so a lesson may lean on other lessons and on packages only.
    lessonsImportingCore: [...graph]
      .filter(([file]) => file.startsWith(`lessons${path.sep}`))
      .flatMap(([file, imports]) =>
        imports.files
          .filter((used) => !used.startsWith(`lessons${path.sep}`))
          .map((used) => `${file} → ${used}`),
      ),
    // Each service owns its schema and its code: another service's package is reached over HTTP or
    // RabbitMQ, never imported (tests may, to start a real neighbour).
    otherServices: [...graph].flatMap(([file, imports]) =>
      imports.packages
        .filter((name) =>
          SERVICES.some((other) => other !== service && name.startsWith(`@incident-lab/${other}`)),
        )
        .map((name) => `${file} → ${name}`),
    ),
  };
}

describe('each service', () => {
  for (const service of SERVICES) {
    it(`${service}: no import loop, lessons that import no core, no other service imported`, () => {
      expect(serviceProblems(path.join(ROOT, 'services', service, 'src'), service)).toEqual({
        loops: [],
        lessonsImportingCore: [],
        otherServices: [],
      });
    });
  }

  it('the rules catch what they are for: a planted loop, a lesson that imports core, a neighbour imported', () => {
    const src = mkdtempSync(path.join(tmpdir(), 'layout-'));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(src, file)), { recursive: true });
      writeFileSync(path.join(src, file), text);
    };
    write('flags.ts', "import type { Mode } from './lessons/retry';\nexport type Flags = { mode: Mode };\n");
    write('lessons/retry.ts', "import type { Flags } from '../flags';\nexport type Mode = 'a';\n");
    write(
      'orders/a.ts',
      "import { b } from './b';\nimport { invoices } from '@incident-lab/invoicing/audit';\n",
    );
    write('orders/b.ts', "import { a } from './a';\n");
    expect(serviceProblems(src, 'storefront')).toEqual({
      loops: ['flags.ts → lessons/retry.ts → flags.ts', 'orders/a.ts → orders/b.ts → orders/a.ts'],
      lessonsImportingCore: ['lessons/retry.ts → flags.ts'],
      otherServices: ['orders/a.ts → @incident-lab/invoicing/audit'],
    });
  });
});

describe('the lab CLI (packages/lab/src)', () => {
  const folders = folderGraph(importGraph(path.join(ROOT, 'packages/lab/src')));
  /** The experiments a command runs; nothing but the commands (and the package's entry, `cli.ts` and `index.ts`) starts one. */
  const EXPERIMENTS = ['lab-run', 'chaos', 'drill', 'capacity'];

  it('has no import loop between its folders', () => {
    expect(loops(folders)).toEqual([]);
  });

  it('keeps its layers: report/ renders (it reads the audit only), settings/ stands alone, experiments sit on top', () => {
    expect(folders.get('report')).toEqual(['audit']);
    expect(folders.get('settings')).toEqual([]);
    const usersOfExperiments = [...folders]
      .filter(
        ([folder, uses]) =>
          uses.some((used) => EXPERIMENTS.includes(used)) && !['commands', '.'].includes(folder),
      )
      .map(([folder]) => folder);
    expect(usersOfExperiments).toEqual([]);
  });
});
