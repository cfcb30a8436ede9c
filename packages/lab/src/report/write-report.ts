import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';
import type { LabReport } from './report';

/**
 * Writes report.json, report.md and report.html into `<outRoot>/<name>-<timestamp>/`, and the JSON
 * also to `jsonFile` when given; returns the folder. Every kind of report is written this way.
 */
export async function writeReportFiles(
  outRoot: string,
  name: string,
  startedAt: string,
  report: unknown,
  render: { markdown: string; html: string },
  jsonFile?: string,
): Promise<string> {
  const dir = path.join(outRoot, `${name}-${startedAt.replace(/[:.]/g, '-')}`);
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(path.join(dir, 'report.json'), json);
  await writeFile(path.join(dir, 'report.md'), render.markdown);
  await writeFile(path.join(dir, 'report.html'), render.html);
  if (jsonFile) await writeFile(jsonFile, json);
  return dir;
}

/** A lab run's report, in `reports/<lab>-<timestamp>/` (or under `outRoot`). */
export function writeReport(report: LabReport, outRoot: string, jsonFile?: string): Promise<string> {
  const render = { markdown: renderMarkdown(report), html: renderHtml(report) };
  return writeReportFiles(outRoot, report.lab, report.startedAt, report, render, jsonFile);
}
