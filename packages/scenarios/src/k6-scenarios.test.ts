import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from './scenarios';

describe('the k6 scripts', () => {
  it('know every scenario the lab CLI knows', () => {
    const k6List = readFileSync(path.resolve(__dirname, '../../../infra/k6/scenarios.ts'), 'utf8');
    const listed = /SCENARIOS: Record<string, Scenario> = \{ ([^}]*) \}/
      .exec(k6List)?.[1]
      ?.split(',')
      .map((name) => name.trim());
    expect(listed?.sort()).toEqual(Object.keys(SCENARIOS).sort());
  });
});
