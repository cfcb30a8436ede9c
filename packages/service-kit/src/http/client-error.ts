import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/** Node's own limits, documented here because they answer before Express sees the request. */
export const HTTP_LIMITS = {
  /** Request line and headers together (Node's default `--max-http-header-size`): larger → 431. */
  headerBytes: 16 * 1024,
};

/**
 * A request Node's HTTP parser refuses (headers over 16 KB, a malformed request line) never reaches
 * Express, and Node answers it with a bare status line. This answers it as every other error is
 * answered: RFC 9457 problem+json, then closes the connection (the parser cannot go on after it).
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Duplex) => {
    if (!socket.writable || (error.code === 'ECONNRESET' && !socket.readable)) {
      socket.destroy();
      return;
    }
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? 431 : 400;
    const body = JSON.stringify({
      type: tooLarge ? '/problems/headers-too-large' : '/problems/malformed-request',
      title: tooLarge ? 'The request line and headers are too large' : 'The request could not be parsed',
      status,
      ...(tooLarge
        ? { detail: `Request line and headers may take ${HTTP_LIMITS.headerBytes} bytes at most.` }
        : {}),
    });
    socket.end(
      `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        'content-type: application/problem+json\r\n' +
        'x-content-type-options: nosniff\r\n' +
        'cache-control: no-store\r\n' +
        'connection: close\r\n' +
        `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}
