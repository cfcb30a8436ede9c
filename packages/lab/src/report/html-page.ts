import { escapeHtml } from './html-escape';

/** Okabe–Ito: broken vermillion, fixed blue, readable with the common colour-vision deficiencies. */
const VERMILLION = '#D55E00';
const BLUE = '#0072B2';

/** A phase's colour in every chart of the report. */
export const COLOURS: Record<string, string> = {
  broken: VERMILLION,
  fixed: BLUE,
  custom: '#009E73',
  // Smoke's two healthy runs: neither is the broken one, so neither is vermillion.
  'run 1': '#56B4E9',
  'run 2': BLUE,
};
/** A value by its role, in the phases' colours: what a fix removes (bad), what it adds or passes (good), context. */
export const TONES = { bad: VERMILLION, good: BLUE, neutral: '#555555' } as const;

/** The look every self-contained report page shares: inline, so it opens offline and prints as shown. */
export const REPORT_STYLE = `<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1180px;color:#111827;padding:0 1rem}
h1{margin-bottom:.2rem} table{border-collapse:collapse;margin:.6rem 0} th,td{border:1px solid #e5e7eb;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left} .pass{color:#16a34a;font-weight:600} .fail{color:#dc2626;font-weight:600}
.headline{background:#f8fafc;border:1px solid #e5e7eb;border-radius:6px;padding:.4rem 1rem;margin:.8rem 0} .headline h2{margin:.3rem 0;font-size:1.1rem} .headline li{font-size:1.05rem;margin:.2rem 0}
.charts{display:flex;flex-wrap:wrap;gap:1rem} .phases{display:grid;grid-template-columns:1fr;gap:1rem}
code{background:#f3f4f6;padding:0 .3rem;border-radius:3px} figure{margin:0} figcaption{font-weight:600;margin-bottom:.2rem}
.ladder code{white-space:nowrap} .text th,.text td{text-align:left} .empty{color:#6b7280;font-style:italic;border:1px dashed #e5e7eb;padding:.6rem 1rem;min-width:300px}
</style>`;

/** An HTML table: the head escaped, the cells as given (they may hold markup); `text` aligns every column left. */
export function table(head: string[], rows: string[][], text = false): string {
  return `<table${text ? ' class="text"' : ''}><thead><tr>${head.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((row) => `<tr>${row.map((cell) => `<td>${cell}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}
