import type { DrillAction } from './drill-state';

/** What the learner is scored on: how soon they noticed, named and ended each fault, and at what cost. */
export interface DrillScore {
  points: number;
  /** Seconds from the fault to the first `detect` after it; undefined when never. */
  detectS?: number;
  /** Seconds from the fault to the last right diagnosis (every fault named); undefined when not all were. */
  diagnoseS?: number;
  /** Seconds from the fault to the moment the last fault was mitigated; undefined when one never was. */
  mitigateS?: number;
  wrongDiagnoses: number;
  hints: number;
  /** `detect`s before anything was broken. */
  falseAlarms: number;
  revealed: boolean;
  /** Each deduction, in words, as the report lists it. */
  breakdown: Array<{ what: string; points: number }>;
}

/**
 * The rules, stated in the game-day guide: 100 points; noticing within 1 minute, naming every fault
 * within 3 and ending their effect within 5 cost nothing, and each 10 s later costs a point (at most
 * 25 each); never doing it costs 30. A wrong diagnosis costs 10, a hint 5, a false alarm 5; asking
 * for the answer (`lab drill reveal`) before the end costs 50.
 */
export const SCORE_RULES = {
  start: 100,
  detect: { freeS: 60, cap: 25 },
  diagnose: { freeS: 180, cap: 25 },
  mitigate: { freeS: 300, cap: 25 },
  never: 30,
  wrongDiagnosis: 10,
  hint: 5,
  falseAlarm: 5,
  revealed: 50,
};

const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function scoreDrill(options: {
  faultAtMs: number;
  actions: DrillAction[];
  faults: number;
  /** When each fault was mitigated (epoch ms); undefined for one that never was. */
  mitigatedAtMs: Array<number | undefined>;
  /** Whether the answer was asked for before every fault was ended. */
  revealedEarly: boolean;
}): DrillScore {
  const { faultAtMs, actions } = options;
  const sinceFault = (at: string) => (Date.parse(at) - faultAtMs) / 1000;
  const detects = actions.filter((action) => action.kind === 'detect');
  const falseAlarms = detects.filter((action) => sinceFault(action.at) < 0).length;
  const detected = detects.find((action) => sinceFault(action.at) >= 0);
  const right = actions.filter((action) => action.kind === 'diagnose' && action.right);
  const wrongDiagnoses = actions.filter(
    (action) => action.kind === 'diagnose' && action.right === false,
  ).length;
  const hints = actions.filter((action) => action.kind === 'hint' && action.text !== '').length;
  const detectS = detected ? Math.round(sinceFault(detected.at)) : undefined;
  const diagnoseS =
    right.length >= options.faults ? Math.round(sinceFault((right.at(-1) as DrillAction).at)) : undefined;
  const mitigateS = options.mitigatedAtMs.every((at) => at !== undefined)
    ? Math.round((Math.max(...(options.mitigatedAtMs as number[])) - faultAtMs) / 1000)
    : undefined;
  const breakdown: DrillScore['breakdown'] = [];
  const late = (what: string, seconds: number | undefined, rule: { freeS: number; cap: number }) => {
    if (seconds === undefined) breakdown.push({ what: `${what}: never`, points: -SCORE_RULES.never });
    else if (seconds > rule.freeS)
      breakdown.push({
        what: `${what} after ${seconds} s (free up to ${rule.freeS} s)`,
        points: -Math.min(rule.cap, Math.ceil((seconds - rule.freeS) / 10)),
      });
  };
  late('noticed', detectS, SCORE_RULES.detect);
  late('every fault named', diagnoseS, SCORE_RULES.diagnose);
  late('every fault mitigated', mitigateS, SCORE_RULES.mitigate);
  if (wrongDiagnoses)
    breakdown.push({
      what: count(wrongDiagnoses, 'wrong diagnosis', 'wrong diagnoses'),
      points: -wrongDiagnoses * SCORE_RULES.wrongDiagnosis,
    });
  if (hints) breakdown.push({ what: count(hints, 'hint', 'hints'), points: -hints * SCORE_RULES.hint });
  if (falseAlarms)
    breakdown.push({
      what: count(falseAlarms, 'false alarm', 'false alarms'),
      points: -falseAlarms * SCORE_RULES.falseAlarm,
    });
  if (options.revealedEarly) breakdown.push({ what: 'asked for the answer', points: -SCORE_RULES.revealed });
  const points = Math.max(0, SCORE_RULES.start + breakdown.reduce((sum, each) => sum + each.points, 0));
  return {
    points,
    ...(detectS !== undefined ? { detectS } : {}),
    ...(diagnoseS !== undefined ? { diagnoseS } : {}),
    ...(mitigateS !== undefined ? { mitigateS } : {}),
    wrongDiagnoses,
    hints,
    falseAlarms,
    revealed: options.revealedEarly,
    breakdown,
  };
}
