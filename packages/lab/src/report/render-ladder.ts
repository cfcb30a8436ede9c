import { escapeHtml, textToHtml } from './html-escape';
import { TONES, table } from './html-page';
import type { LabReport, LadderRung, ProbeResult } from './report';
import { formatValue } from './report-text';
import { horizontalBars } from './svg-charts';

/**
 * The fix ladder (`lab run <lab> --ladder`): broken, each fix alone, all fixes, under one seed. The
 * table answers "what does each fix buy on its own", the charts show it for the headline probes,
 * each bar coloured by whether its rung passes the probe.
 */

/** The probes of the ladder's columns, in the scenario's order. */
const probesOf = (ladder: LadderRung[]): ProbeResult[] => ladder[0]?.hypothesis.probes ?? [];

const cell = (rung: LadderRung, probe: ProbeResult) =>
  rung.hypothesis.probes.find((each) => each.name === probe.name);

/** The command that reruns the ladder, and what each rung ran. */
export function ladderIntro(report: LabReport): string {
  const acts = report.load.acts.map((act) => `${act.name} ${act.durationS} s`).join(', ');
  return `Each rung is one phase of the same seeded load (seed ${report.seed}; acts: ${acts}): the broken shop, then the broken shop with one fix on, then all fixes. Rerun: \`npx lab run ${report.lab} --ladder --seed ${report.seed}\`.`;
}

/**
 * The ladder table once, as text with `code` marked by backticks and verdicts as ✓/✗: Markdown
 * prints it as it is, HTML escapes it and colours the marks.
 */
function ladderTable(ladder: LadderRung[]): { head: string[]; rows: string[][] } {
  const probes = probesOf(ladder);
  // The verdicts are read after the scenario's repair (the reconciler, the backfill): say what it did.
  const repaired = ladder.some((rung) => rung.repairs);
  const head = [
    'rung',
    ...probes.map((probe) => probe.headline ?? probe.name),
    ...(repaired ? ['repairs in the pass after the load'] : []),
    'storefront requests served',
    'hypothesis',
  ];
  const rows = ladder.map((rung) => [
    rung.name.includes('=') ? `\`${rung.name}\` alone` : rung.name,
    ...probes.map((probe) => {
      const result = cell(rung, probe);
      return result ? `${result.passed ? '✓' : '✗'} ${formatValue(result.value, result.unit)}` : '—';
    }),
    ...(repaired
      ? [
          Object.entries(rung.repairs ?? {})
            .filter(([, count]) => count > 0)
            .map(([action, count]) => `${count} \`${action}\``)
            .join(', ') || 'none',
        ]
      : []),
    String(rung.served),
    rung.hypothesis.passed ? 'holds' : 'fails',
  ]);
  return { head, rows };
}

export function ladderMarkdown(report: LabReport): string {
  const ladder = report.ladder;
  if (!ladder?.length) return '';
  const { head, rows } = ladderTable(ladder);
  return `## The fix ladder

${ladderIntro(report)}

| ${head.join(' | ')} |
|${head.map(() => '---').join('|')}|
${rows.map((row) => `| ${row.join(' | ')} |`).join('\n')}
`;
}

/** A table cell's text as HTML: code spans, and the verdict marks in their colours. */
const cellHtml = (text: string) =>
  textToHtml(text)
    .replace(/^✓|^holds$/, (mark) => `<span class="pass">${mark}</span>`)
    .replace(/^✗|^fails$/, (mark) => `<span class="fail">${mark}</span>`);

export function ladderHtml(report: LabReport): string {
  const ladder = report.ladder;
  if (!ladder?.length) return '';
  const probes = probesOf(ladder);
  const { head, rows } = ladderTable(ladder);
  const charted = probes.filter((probe) => probe.headline);
  const charts = (charted.length ? charted : probes.filter((probe) => probe.unit !== 'count')).map(
    (probe) => {
      const bars = ladder.map((rung) => {
        const result = cell(rung, probe);
        const value = result ? (result.unit === 'share' ? result.value * 100 : result.value) : Number.NaN;
        return {
          label: rung.name,
          value,
          text: result ? formatValue(result.value, result.unit) : '—',
          colour: result?.passed ? TONES.good : TONES.bad,
        };
      });
      const unit = probe.unit === 'share' ? '%' : probe.unit;
      const title = `${probe.headline ?? probe.name}, per rung (passes ${probe.tolerance})`;
      return `<figure><figcaption>${escapeHtml(title)}</figcaption>${horizontalBars(title, `${probe.headline ?? probe.name} (${unit}); blue passes, vermillion fails`, bars)}</figure>`;
    },
  );
  return `<section class="ladder"><h2>The fix ladder</h2>
<p>${textToHtml(ladderIntro(report))}</p>
${table(
  head,
  rows.map((row) => row.map(cellHtml)),
)}
<div class="charts">${charts.join('')}</div></section>`;
}
