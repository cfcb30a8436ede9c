import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../settings/services';
import { waitForIdle } from './wait-for-idle';

/** Settles against one fake storefront whose /metrics answers as `answer` says, scrape by scrape. */
async function settleAgainst(
  answer: (scrape: number, response: ServerResponse) => void,
  options: Parameters<typeof waitForIdle>[2] = {},
) {
  let scrapes = 0;
  const server = createServer((_request, response) => answer(scrapes++, response));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const said: string[] = [];
  try {
    await waitForIdle(
      [{ name: 'storefront', url, main: '', env: {} } as ServiceProcess],
      (line) => said.push(line),
      options,
    );
  } finally {
    server.close();
  }
  return { scrapes, said };
}

describe('settling between phases', () => {
  it('waits for three idle seconds in a row: a handler between two queries looks idle for a moment', async () => {
    // What one service's /metrics says, scrape after scrape: busy, a blip of idle, busy, then idle.
    const sequence = [2, 0, 1, 0, 0, 0, 0];
    const { scrapes, said } = await settleAgainst((scrape, response) => {
      const busy = sequence[Math.min(scrape, sequence.length - 1)];
      response.end(
        `db_client_connection_count{db_client_connection_pool_name="shared",db_client_connection_state="used"} ${busy}\nhttp_server_active_requests 0\n`,
      );
    });
    expect(scrapes).toBe(6);
    expect(said).toEqual(['waiting for the shop to finish 2 leftover requests…']);
  }, 20_000);

  it('counts a service that does not answer /metrics as busy, not idle', async () => {
    // Two scrapes fail (a storm keeps it from answering), then it is idle.
    const { scrapes, said } = await settleAgainst((scrape, response) => {
      if (scrape < 2) response.writeHead(503).end();
      else response.end('http_server_active_requests 0\n');
    });
    expect(scrapes).toBe(5);
    expect(said).toEqual([
      'waiting for the shop to settle (0 requests in flight, waiting or holding a connection; storefront not answering /metrics)…',
    ]);
  }, 20_000);

  it('cancels leftover queries each busy second when asked, and says how many it cancelled', async () => {
    // Busy until the second round of cancelling has ended the last leftover query.
    let rounds = 0;
    const { said } = await settleAgainst(
      (_scrape, response) => response.end(`http_server_active_requests ${rounds < 2 ? 4 : 0}\n`),
      {
        cancelLeftovers: async () => {
          rounds++;
          return rounds === 1 ? 3 : 1;
        },
      },
    );
    expect(rounds).toBe(2);
    expect(said).toEqual([
      'waiting for the shop to finish 4 leftover requests…',
      'cancelling queries still running for clients that gave up (KILL QUERY, as in an incident)…',
      'settled after cancelling 4 leftover queries',
    ]);
  }, 20_000);
});
