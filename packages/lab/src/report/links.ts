export interface LinkOptions {
  traces: TraceViewer;
  grafanaUrl: string;
}

/** Where a trace id opens: Jaeger when it runs (compose), the lab console otherwise. */
export interface TraceViewer {
  name: 'Jaeger' | 'the lab console';
  /** The address a trace id is appended to. */
  base: string;
  /** The lab console, which also draws two traces side by side. */
  consoleUrl: string;
}

export function traceUrl(options: Pick<LinkOptions, 'traces'>, traceId: string): string {
  return `${options.traces.base}${traceId}`;
}

/** The lab's dashboard over exactly the phase's time range. */
export function grafanaDashboardUrl(options: LinkOptions, uid: string, from: Date, to: Date): string {
  return `${options.grafanaUrl.replace(/\/$/, '')}/d/${uid}?from=${from.getTime()}&to=${to.getTime()}`;
}
