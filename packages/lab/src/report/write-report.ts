import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderHtml } from './render-html';
import { renderMarkdown } from './render-markdown';
import type { LabReport } from './report';

/** Writes report.json, report.md and report.html into `reports/<lab>-<timestamp>/` (or `dir`). */
export async function writeReport(report: LabReport, outRoot: string, jsonFile?: string): Promise<string> {
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const dir = path.join(outRoot, `${report.lab}-${stamp}`);
  await mkdir(dir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  await writeFile(path.join(dir, 'report.json'), json);
  await writeFile(path.join(dir, 'report.md'), renderMarkdown(report));
  await writeFile(path.join(dir, 'report.html'), renderHtml(report));
  if (jsonFile) await writeFile(jsonFile, json);
  return dir;
}
