import {
  DRILL_FAULTS,
  type DrillFault,
  EVERY_FIX,
  FIX_OWNER,
  type ShopProcess,
  seededRandom,
} from '@incident-lab/scenarios';
import type { HiddenFault } from './drill-state';

export type DrillLevel = 1 | 2 | 3;

/** What a trainer may choose: by seed, a whole class gets the same drill. */
export interface DrillChoice {
  seed: number;
  level: DrillLevel;
  /** One catalogue fault by id instead of a seeded draw (level 2 draws its second one). */
  fault?: string;
  /** Seconds of healthy traffic before the fault; a seeded 60–180 s when not given. */
  delayS?: number;
}

export interface DrillPlan {
  seed: number;
  level: DrillLevel;
  delayS: number;
  faults: Array<{ fault: DrillFault; hidden: HiddenFault }>;
  /** Every flag the drill sets in the lab's flag file: what the learner sees in force. */
  baseline: Record<string, string>;
}

/** Refused choices: an unknown fault id, a level that is not 1–3. */
export class DrillChoiceError extends Error {
  override name = 'DrillChoiceError';
}

/** A level-3 drill turns off, without showing it, the fixes that would have saved the shop. */
function quietlyOff(fault: DrillFault, shipped: Record<string, string>): Record<string, string> {
  const fixes = [...new Set(fault.mitigations.fixes.flatMap((set) => Object.keys(set)))];
  return Object.fromEntries(fixes.map((key) => [key, shipped[key] as string]));
}

/** The service a level-3 drill's quiet change belongs to: rolling it back undoes the change. */
export function quietOwner(hidden: HiddenFault): ShopProcess | undefined {
  const owners = new Set(Object.keys(hidden.quietlyOff).map((key) => FIX_OWNER[key]));
  return owners.size === 1 ? [...owners][0] : undefined;
}

/**
 * The drill a seed, a level and perhaps a fault make. Level 1: one fault on the shop as shipped
 * (every fix off, each there to be turned on). Level 2: two faults at once, in two services. Level 3:
 * the shop with every fix on, one fault, and the fixes that would absorb it quietly turned off.
 */
export function planDrill(choice: DrillChoice, shipped: Record<string, string>): DrillPlan {
  if (![1, 2, 3].includes(choice.level))
    throw new DrillChoiceError(`--level must be 1, 2 or 3, got "${choice.level}"`);
  const random = seededRandom(choice.seed * 7919 + choice.level);
  const draw = <T>(list: T[]): T => list[Math.floor(random() * list.length)] as T;
  const chosen = choice.fault ? DRILL_FAULTS.find((each) => each.id === choice.fault) : undefined;
  if (choice.fault && !chosen) {
    throw new DrillChoiceError(
      `no fault "${choice.fault}" in the catalogue; faults: ${DRILL_FAULTS.map((each) => each.id).join(', ')} (lab drill --list)`,
    );
  }
  // Level 3 needs a fault some fix would absorb, so that turning it off quietly is the story.
  const candidates =
    choice.level === 3 ? DRILL_FAULTS.filter((each) => each.mitigations.fixes.length > 0) : DRILL_FAULTS;
  if (chosen && !candidates.includes(chosen))
    throw new DrillChoiceError(`${chosen.id} has no fix to turn off quietly: it cannot be drawn at level 3`);
  const first = chosen ?? draw(candidates);
  const faults = [first];
  if (choice.level === 2) {
    // A second fault elsewhere, with no flag in common: each must show on its own.
    const others = DRILL_FAULTS.filter(
      (each) =>
        each.service !== first.service &&
        !Object.keys(each.hidden).some((key) => key in first.hidden) &&
        !(each.extraLoad && first.extraLoad),
    );
    faults.push(draw(others));
  }
  const baseline = { ...shipped, ...(choice.level === 3 ? EVERY_FIX : {}) };
  const delayS = choice.delayS ?? 60 + Math.floor(random() * 121);
  return {
    seed: choice.seed,
    level: choice.level,
    delayS,
    baseline,
    faults: faults.map((fault) => {
      const off = choice.level === 3 ? quietlyOff(fault, shipped) : {};
      return {
        fault,
        hidden: {
          id: fault.id,
          service: fault.service,
          cause: fault.cause,
          hidden: { ...fault.hidden, ...off },
          quietlyOff: off,
        },
      };
    }),
  };
}
