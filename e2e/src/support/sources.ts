import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** All TypeScript sources of the services and packages (tests excluded), to look names up in. */
export function sources(): string {
  const texts: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.includes('.test'))
        texts.push(readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(root, 'services'));
  walk(path.join(root, 'packages'));
  return texts.join('\n');
}

/**
 * The metric names the code declares (`createCounter('shop_…')` and the like), without the
 * `_total` the Prometheus exporter adds to counters.
 */
export function exportedMetricNames(): Set<string> {
  const names = [
    ...sources().matchAll(/create(?:Counter|Histogram|ObservableGauge|UpDownCounter|Gauge)\(\s*'([a-z_]+)'/g),
  ];
  return new Set(names.map((match) => match[1] as string));
}
