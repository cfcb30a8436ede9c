import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RouteContext {
  request: IncomingMessage;
  response: ServerResponse;
  url: URL;
  /** The route pattern's captured groups. */
  params: string[];
}

export interface Route {
  method: 'GET' | 'POST' | 'PUT';
  path: RegExp;
  handle(context: RouteContext): Promise<void> | void;
}
