import { cascading } from './cascading';
import { partial } from './partial';
import type { Scenario } from './scenario';
import { silent } from './silent';
import { smoke } from './smoke';

/** Every lab `lab run <name>` knows, by name. */
export const SCENARIOS: Record<string, Scenario> = { smoke, cascading, partial, silent };
