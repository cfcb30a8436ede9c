import path from 'node:path';
import { parseArgs } from 'node:util';
import { DRILL_CAUSES, DRILL_FAULTS, NOT_DRILLED } from '@incident-lab/scenarios';
import { DEFAULT_PROMETHEUS_PORT, startPrometheus } from '../clients/prometheus';
import { chooseTraceViewer } from '../clients/trace-viewer';
import {
  DRILL_SERVICES,
  DrillActionError,
  detect,
  diagnose,
  hint,
  reveal,
  rollback,
  stop,
} from '../drill/drill-actions';
import { alive, drillFiles, readSecret, readStatus, writeStatus } from '../drill/drill-state';
import { drillHeadline, writeDrillReport } from '../drill/render-drill';
import { DrillStartError, runDrill } from '../drill/run-drill';
import { consoleUrl, type LabOptions } from '../settings/lab-options';
import { positiveInteger, UsageError, usage } from './args';

export const drillHelp = `lab drill [--seed N] [--level 1|2|3] [--fault ID] [--delay S] [--max-minutes M]
          [--observe [--prometheus-port N]] [--out DIR]
  A game day on the running lab (lab up first): steady traffic of people using the shop, then, after
  a seeded delay, a fault from the catalogue, hidden. Nothing you can read names it (flags, the
  console, /health/flags, spans, logs): find it from the symptoms. It runs in this terminal until
  every fault is mitigated and named, lab drill stop, Ctrl-C or --max-minutes; then the flags are
  as they were before, and DIR/drill-<time>/ (default ./reports) holds the score, the timeline, the
  impact, alert coverage, trace links and an incident report to finish (incident.md).
  --seed         the fault, its delay and the traffic (default 1): a class with one seed gets one drill
  --level        1: one fault on the shop as shipped (default); 2: two faults at once; 3: every fix
                 on, one fault, and the fix that would absorb it quietly turned off
  --fault        a catalogue fault by id instead of a seeded draw (trainers; see --list)
  --delay        seconds of healthy traffic before the fault (default: seeded, 60–180)
  --max-minutes  the drill ends after this long (default 20)
  --observe      start the machine's Prometheus with the lab's alerts for the drill (alert coverage)
lab drill --list
  The catalogue, for trainers: each fault, where its cause is, what it is, what ends it.
From another terminal while a drill runs (or the console's Drill page):
lab drill detect "<what you see>"               you noticed something: say what
lab drill diagnose --service S --cause C        where and what: S one of ${DRILL_SERVICES.join(', ')};
                                                C one of ${Object.keys(DRILL_CAUSES).join(', ')}
lab drill hint                                  a hint (costs points)
lab drill rollback <service>                    undo the last release and settings of a service
lab drill status [--json]                       the drill so far (elapsed time, your actions)
lab drill reveal                                name the faults now (costs points); the drill goes on
lab drill stop                                  end the drill: flags back, report written`;

const ACTIONS = ['detect', 'diagnose', 'hint', 'rollback', 'status', 'reveal', 'stop'];

export async function drillCommand(words: string[], options: LabOptions): Promise<number> {
  const { values, positionals } = usage(() =>
    parseArgs({
      args: words,
      options: {
        seed: { type: 'string' },
        level: { type: 'string' },
        fault: { type: 'string' },
        delay: { type: 'string' },
        'max-minutes': { type: 'string' },
        observe: { type: 'boolean' },
        'prometheus-port': { type: 'string' },
        out: { type: 'string' },
        json: { type: 'boolean' },
        list: { type: 'boolean' },
        service: { type: 'string' },
        cause: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }),
  );
  const [action, ...rest] = positionals;
  if (values.list) return list();
  if (action === undefined) return start(options, values);
  if (!ACTIONS.includes(action))
    throw new UsageError(
      `unknown drill action "${action}"; use ${ACTIONS.join(', ')}, or no action to start one`,
    );
  try {
    switch (action) {
      case 'detect': {
        const done = await detect(options, rest.join(' '));
        console.log(done.answer);
        return 0;
      }
      case 'diagnose': {
        if (!values.service || !values.cause)
          throw new UsageError('lab drill diagnose needs --service and --cause');
        const done = await diagnose(options, values.service, values.cause);
        console.log(done.answer);
        return done.right ? 0 : 1;
      }
      case 'hint':
        console.log((await hint(options)).answer);
        return 0;
      case 'rollback': {
        if (rest.length !== 1) throw new UsageError('lab drill rollback takes one service name');
        console.log((await rollback(options, rest[0] as string)).answer);
        return 0;
      }
      case 'reveal':
        console.log((await reveal(options)).action.answer);
        return 0;
      case 'stop': {
        const pid = await stop(options);
        console.log(
          pid === undefined
            ? "The drill's process was gone: its hidden flags are lifted and the lab's flags are as they were before it."
            : `Asked the drill (pid ${pid}) to end; its terminal prints the report.`,
        );
        return 0;
      }
      default:
        return status(options, values.json ?? false);
    }
  } catch (error) {
    if (error instanceof DrillActionError) {
      console.error(`lab drill ${action}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

function list(): number {
  for (const fault of DRILL_FAULTS) {
    console.log(`${fault.id}  [${fault.service}; ${fault.cause}]`);
    console.log(`    ${fault.title}`);
    console.log(
      `    hidden: ${
        Object.entries(fault.hidden)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ') || '(traffic only)'
      }${fault.extraLoad ? `; extra load ${JSON.stringify(fault.extraLoad)}` : ''}`,
    );
    const ends = [
      ...fault.mitigations.fixes.map((set) =>
        Object.entries(set)
          .map(([k, v]) => `${k}=${v}`)
          .join(' + '),
      ),
      ...(fault.mitigations.rollback ? [`rollback ${fault.mitigations.rollback}`] : []),
    ];
    console.log(`    ended by: ${ends.join(' | ')}; alerts: ${fault.alerts.join(', ') || 'none'}`);
  }
  for (const [flag, why] of Object.entries(NOT_DRILLED)) console.log(`(not drilled: ${flag}: ${why})`);
  return 0;
}

async function status(options: LabOptions, json: boolean): Promise<number> {
  const files = drillFiles(options);
  const secret = await readSecret(files, options.secrets.internalToken);
  if (secret && !alive(secret.pid)) {
    const lost = `The drill of seed ${secret.seed} lost its process (pid ${secret.pid}) before it ended: \`lab drill stop\` puts the flags back.`;
    console.log(json ? JSON.stringify({ running: false, lost: true, message: lost }, null, 2) : lost);
    return 0;
  }
  const found = await readStatus(files);
  if (json) {
    console.log(JSON.stringify(found ?? { running: false }, null, 2));
    return 0;
  }
  if (!found) {
    console.log('No drill has run in this lab yet: start one with `lab drill`.');
    return 0;
  }
  console.log(
    found.running
      ? `A drill is running (pid ${found.pid}, seed ${found.seed}, level ${found.level}) for ${found.elapsedS} s: ${found.requests} requests, ${found.failed} failed.`
      : `The last drill (seed ${found.seed}) has ended; its report: ${found.report ?? 'not written'}.`,
  );
  for (const action of found.actions)
    console.log(`  ${action.at.slice(11, 19)} ${action.kind} ${action.text}: ${action.answer}`);
  return 0;
}

async function start(
  options: LabOptions,
  values: {
    seed?: string;
    level?: string;
    fault?: string;
    delay?: string;
    'max-minutes'?: string;
    observe?: boolean;
    'prometheus-port'?: string;
    out?: string;
  },
): Promise<number> {
  const level = positiveInteger(values.level, '--level', 1);
  if (level < 1 || level > 3) throw new UsageError(`--level must be 1, 2 or 3, got "${values.level}"`);
  const maxMinutes = positiveInteger(values['max-minutes'], '--max-minutes', 20);
  if (maxMinutes < 1) throw new UsageError('--max-minutes must be at least 1');
  const delayS = values.delay === undefined ? undefined : positiveInteger(values.delay, '--delay', 0);
  if (values.fault && !DRILL_FAULTS.some((fault) => fault.id === values.fault))
    throw new UsageError(
      `--fault must be a catalogue fault: ${DRILL_FAULTS.map((fault) => fault.id).join(', ')}; got "${values.fault}"`,
    );
  const port = positiveInteger(values['prometheus-port'], '--prometheus-port', DEFAULT_PROMETHEUS_PORT);
  const prometheus = values.observe ? await startPrometheus(options, { port }) : undefined;
  const tty = process.stdout.isTTY;
  try {
    const report = await runDrill(options, {
      seed: positiveInteger(values.seed, '--seed', 1),
      level: level as 1 | 2 | 3,
      ...(values.fault ? { fault: values.fault } : {}),
      ...(delayS !== undefined ? { delayS } : {}),
      maxMinutes,
      prometheusUrl: prometheus?.url ?? options.observability.prometheusUrl,
      links: {
        traces: await chooseTraceViewer(options.observability.jaegerUrl, consoleUrl(options)),
        grafanaUrl: options.observability.grafanaUrl,
      },
      log: (line) => console.log(line),
      progress: (line) => {
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
      },
    });
    const dir = await writeDrillReport(report, path.resolve(values.out ?? 'reports'));
    // The console's Drill page shows the end: the faults named, the score, the report.
    const files = drillFiles(options);
    const last = await readStatus(files);
    if (last) {
      await writeStatus(files, {
        ...last,
        running: false,
        report: path.join(dir, 'report.html'),
        score: report.score.points,
        revealed: report.faults.map((fault) => ({
          id: fault.id,
          title: fault.title,
          service: fault.service,
          cause: fault.cause,
        })),
      });
    }
    console.log('');
    for (const line of drillHeadline(report)) console.log(line);
    console.log(`\nReport: ${path.join(dir, 'report.html')} (also report.md, report.json, incident.md)`);
    return 0;
  } catch (error) {
    if (error instanceof DrillStartError) {
      console.error(`lab drill: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    await prometheus?.stop();
  }
}
