import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** One source file's imports: other files of the same tree, and packages by name. */
export interface FileImports {
  files: string[];
  packages: string[];
}

const IMPORT = /^\s*(?:import|export)\b[^'";]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm;

/**
 * Every non-test `.ts` file under `root` (relative to it) and what it imports. `import type` counts:
 * a type a lesson takes from the core that uses it is the same knot as a value would be.
 */
export function importGraph(root: string): Map<string, FileImports> {
  const graph = new Map<string, FileImports>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.ts') && !/\.test\.ts$|\.test-support\.ts$|\.d\.ts$/.test(name)) {
        const imports: FileImports = { files: [], packages: [] };
        for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
          const spec = (match[1] ?? match[2]) as string;
          if (spec.startsWith('.')) {
            imports.files.push(path.relative(root, path.resolve(path.dirname(file), `${spec}.ts`)));
          } else {
            imports.packages.push(spec);
          }
        }
        graph.set(path.relative(root, file), imports);
      }
    }
  };
  walk(root);
  return graph;
}

/** Every import loop among the nodes of `edges`, each written `a → b → a`, once. */
export function loops(edges: Map<string, string[]>): string[] {
  const found = new Set<string>();
  const done = new Set<string>();
  const visit = (node: string, trail: string[]) => {
    const at = trail.indexOf(node);
    if (at >= 0) {
      const loop = trail.slice(at);
      // The same loop found from another of its nodes is written from its smallest node.
      const start = loop.indexOf([...loop].sort()[0] as string);
      const rotated = [...loop.slice(start), ...loop.slice(0, start)];
      found.add([...rotated, rotated[0]].join(' → '));
      return;
    }
    if (done.has(node)) return;
    for (const next of edges.get(node) ?? []) visit(next, [...trail, node]);
    done.add(node);
  };
  for (const node of edges.keys()) visit(node, []);
  return [...found].sort();
}

/** The folder of `src/` a file sits in (`lessons`, `orders`), or `.` for the files at its top. */
export const folderOf = (file: string): string =>
  file.includes(path.sep) ? (file.split(path.sep)[0] as string) : '.';

/** Which folders import which, from a file graph (a folder's imports of itself left out). */
export function folderGraph(graph: Map<string, FileImports>): Map<string, string[]> {
  const folders = new Map<string, Set<string>>();
  for (const [file, imports] of graph) {
    const from = folderOf(file);
    const uses = folders.get(from) ?? new Set<string>();
    for (const used of imports.files) if (folderOf(used) !== from) uses.add(folderOf(used));
    folders.set(from, uses);
  }
  return new Map([...folders].map(([folder, uses]) => [folder, [...uses].sort()]));
}
