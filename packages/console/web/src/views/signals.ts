import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, type SignalsView } from '../api';
import { h } from '../dom';
import { TONE } from '../palette';

const LABS: Array<[string, string]> = [
  ['cascading', 'Lab 1 · Cascading'],
  ['partial', 'Lab 2 · Partial'],
  ['silent', 'Lab 3 · Silent'],
];

/** Flag changes and runs as dashed vertical lines, numbered as in the list under the tabs. */
function marksPlugin(marks: () => SignalsView['marks']): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (plot) => {
          const { ctx } = plot;
          const { top, height } = plot.bbox;
          ctx.save();
          ctx.strokeStyle = '#7a5195';
          ctx.fillStyle = '#3d2a4a';
          ctx.setLineDash([4, 4]);
          ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
          marks().forEach((mark, index) => {
            const x = plot.valToPos(mark.time, 'x', true);
            if (x < plot.bbox.left || x > plot.bbox.left + plot.bbox.width) return;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
            ctx.fillText(String(index + 1), x + 3, top + 11 * devicePixelRatio);
          });
          ctx.restore();
        },
      ],
    },
  };
}

/**
 * The charts that tell one lab's story, from the services' /metrics each second (the console keeps
 * the last ten minutes). Flag changes are marked on every chart, so before and after sit side by side.
 */
export async function signalsView(root: HTMLElement, signal: AbortSignal, lab: string): Promise<void> {
  const grid = h('div', { className: 'charts' });
  const markList = h('ol', { className: 'marks', 'aria-label': 'Flag changes and runs' });
  root.replaceChildren(
    h('h1', {}, 'Live signals'),
    h(
      'nav',
      { className: 'tabs', 'aria-label': 'Labs' },
      LABS.map(([id, title]) =>
        h('a', { href: `#/signals/${id}`, 'aria-current': id === lab ? 'page' : false }, title),
      ),
    ),
    h(
      'p',
      { className: 'lead' },
      'Read from every service’s /metrics once a second. Dashed vertical lines are flag changes and runs; dashed red series are what a fix removes.',
    ),
    markList,
    grid,
  );
  const showMarks = () =>
    markList.replaceChildren(
      ...view.marks.map((mark) =>
        h(
          'li',
          {},
          h('time', {}, new Date(mark.time * 1000).toLocaleTimeString([], { hour12: false })),
          ' ',
          mark.text,
        ),
      ),
    );
  let view = await api<SignalsView>(`/api/signals?lab=${lab}`);
  const plots: uPlot[] = [];
  for (const chart of view.charts) {
    const box = h('figure', { className: 'chart', 'data-chart': chart.id });
    box.append(h('figcaption', {}, chart.title, h('span', { className: 'unit' }, ` (${chart.unit})`)));
    grid.append(box);
    const width = Math.max(320, box.clientWidth - 16);
    const options: uPlot.Options = {
      width,
      height: 200,
      plugins: [marksPlugin(() => view.marks)],
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, (max ?? 1) * 1.1)] },
      },
      axes: [{ stroke: '#333' }, { stroke: '#333', size: 56 }],
      series: [
        {},
        ...chart.series.map((series) => ({
          label: series.label,
          stroke: (TONE[series.tone] ?? TONE.neutral)?.colour,
          dash: TONE[series.tone]?.dash,
          width: 2,
          spanGaps: false,
        })),
      ],
      legend: { live: false },
    };
    plots.push(
      new uPlot(
        options,
        [view.times, ...chart.series.map((series) => series.values)] as uPlot.AlignedData,
        box,
      ),
    );
  }
  showMarks();
  if (view.times.length === 0)
    grid.before(h('p', { className: 'hint' }, 'Collecting: the first points appear within two seconds.'));
  while (!signal.aborted) {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if (signal.aborted) break;
    try {
      view = await api<SignalsView>(`/api/signals?lab=${lab}`);
    } catch {
      continue;
    }
    if (markList.childElementCount !== view.marks.length) showMarks();
    view.charts.forEach((chart, index) => {
      plots[index]?.setData([
        view.times,
        ...chart.series.map((series) => series.values),
      ] as uPlot.AlignedData);
    });
  }
  for (const plot of plots) plot.destroy();
}
