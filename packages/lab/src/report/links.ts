export interface LinkOptions {
  jaegerUrl: string;
  grafanaUrl: string;
}

export function jaegerTraceUrl(options: LinkOptions, traceId: string): string {
  return `${options.jaegerUrl.replace(/\/$/, '')}/trace/${traceId}`;
}

/** The lab's dashboard over exactly the phase's time range. */
export function grafanaDashboardUrl(options: LinkOptions, uid: string, from: Date, to: Date): string {
  return `${options.grafanaUrl.replace(/\/$/, '')}/d/${uid}?from=${from.getTime()}&to=${to.getTime()}`;
}
