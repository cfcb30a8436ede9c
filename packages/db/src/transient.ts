/**
 * Errors that say "the database could not be reached just now", not "this request is wrong": a
 * killed or lost connection, a server restarting, a deadlock or lock wait. Trying again shortly can
 * succeed, so HTTP answers 503 with Retry-After and a consumer puts the message back instead of
 * counting it towards the dead-letter queue.
 */
const CODES = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ER_CON_COUNT_ERROR',
]);
const ERRNOS = new Set([
  1053, // server shutdown in progress
  1205, // lock wait timeout
  1213, // deadlock
  1317, // query interrupted (KILL QUERY)
  1927, // connection killed (MariaDB)
  2006, // server has gone away
  2013, // lost connection during query
]);

export function isTransientDbError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errno, fatal, message } = error as {
    code?: string;
    errno?: number;
    fatal?: boolean;
    message?: string;
  };
  if ((code && CODES.has(code)) || (errno && ERRNOS.has(errno))) return true;
  // mysql2 marks an error that ended the connection as fatal, and refuses work on a closed one.
  return fatal === true || /connection is in closed state/.test(message ?? '');
}
