import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../stack/services';
import { settle } from './settle';

describe('settling between phases', () => {
  it('waits for three idle seconds in a row: a handler between two queries looks idle for a moment', async () => {
    // What one service's /metrics says, scrape after scrape: busy, a blip of idle, busy, then idle.
    const sequence = [2, 0, 1, 0, 0, 0, 0];
    let scrapes = 0;
    const server = createServer((_request, response) => {
      const busy = sequence[Math.min(scrapes++, sequence.length - 1)];
      response.end(`db_pool_connections_in_use{pool="shared"} ${busy}\nhttp_server_in_flight_requests 0\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const said: string[] = [];
    try {
      await settle([{ name: 'storefront', url, main: '', env: {} } as ServiceProcess], (line) =>
        said.push(line),
      );
    } finally {
      server.close();
    }
    expect(scrapes).toBe(6);
    expect(said).toEqual(['waiting for the shop to finish 2 leftover requests…']);
  }, 20_000);
});
