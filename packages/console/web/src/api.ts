/** The console's JSON API, typed as the server sends it (the server's own types). */
import type { ReportEntry, SignalsView, StoredLog, StoredSpan, TraceSummary } from '../../src/api-types';

export type { ReportEntry, SignalsView, TraceSummary };
export type Span = StoredSpan;
export type LogLine = StoredLog;

export interface Flag {
  key: string;
  variant: string;
  value: unknown;
  variants: Record<string, unknown>;
  description: string;
  kind: string;
  lab: string;
}

/** A refused request, with the problem+json detail the server gave. */
export class ApiError extends Error {}

export async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json().catch(() => ({}))) as { detail?: string };
  if (!response.ok) throw new ApiError(body.detail ?? `${response.status} ${response.statusText}`);
  return body as T;
}

export function send<T>(method: string, path: string, body: unknown): Promise<T> {
  return api<T>(path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
