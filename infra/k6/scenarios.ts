// k6 reads the same scenario files as `lab run` (k6 runs TypeScript and needs file extensions,
// so the files are imported one by one; a test checks this list matches the lab's).

import { cascading } from '../../packages/scenarios/src/cascading.ts';
import { partial } from '../../packages/scenarios/src/partial.ts';
import type { Scenario } from '../../packages/scenarios/src/scenario.ts';
import { silent } from '../../packages/scenarios/src/silent.ts';
import { smoke } from '../../packages/scenarios/src/smoke.ts';

export const SCENARIOS: Record<string, Scenario> = { smoke, cascading, partial, silent };
