const LEVEL_COLOURS: Record<string, string> = { error: '\x1b[31m', fatal: '\x1b[31m', warn: '\x1b[33m' };
const HIDDEN_KEYS = new Set(['level', 'time', 'msg', 'service.name', 'pid', 'hostname', 'span_id']);

/**
 * One service log line made readable in a terminal: `storefront | 12:00:01 INFO order created
 * orderId=… trace_id=…`. Lines that are not JSON pass through unchanged.
 */
export function formatLogLine(service: string, line: string, colour: boolean): string {
  const prefix = `${service.padEnd(16)}|`;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `${prefix} ${line}`;
  }
  const level = String(entry.level ?? 'info');
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const fields = Object.entries(entry)
    .filter(([key]) => !HIDDEN_KEYS.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(' ');
  const start = colour ? (LEVEL_COLOURS[level] ?? '') : '';
  const end = start ? '\x1b[0m' : '';
  return `${prefix} ${time} ${start}${level.toUpperCase()}${end} ${entry.msg ?? ''} ${fields}`.trimEnd();
}
