import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/** Which folders of `src/` each folder imports from (tests aside). */
function folderImports(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const folders = readdirSync(__dirname).filter((name) => statSync(path.join(__dirname, name)).isDirectory());
  for (const folder of folders) {
    const uses = new Set<string>();
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const file = path.join(dir, name);
        if (statSync(file).isDirectory()) walk(file);
        else if (name.endsWith('.ts') && !name.includes('.test.')) {
          for (const [, used] of readFileSync(file, 'utf8').matchAll(/from '\.\.\/([a-z-]+)\//g))
            if (used !== folder) uses.add(used as string);
        }
      }
    };
    walk(path.join(__dirname, folder));
    graph.set(folder, uses);
  }
  return graph;
}

describe('the lab CLI’s layout', () => {
  it('has no import loop between its folders (report/ renders, it does not run or fetch)', () => {
    const graph = folderImports();
    const loops: string[] = [];
    const visit = (folder: string, trail: string[]) => {
      if (trail.includes(folder)) {
        loops.push([...trail.slice(trail.indexOf(folder)), folder].join(' → '));
        return;
      }
      for (const next of graph.get(folder) ?? []) visit(next, [...trail, folder]);
    };
    for (const folder of graph.keys()) visit(folder, []);
    expect(loops).toEqual([]);
    expect([...(graph.get('report') ?? [])].sort()).toEqual(['check']);
  });
});
