import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FlagState } from '@incident-lab/flags';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../settings/services';
import { waitForFlags } from './wait-for-flags';

/** A service that says it applies `provider-outage=on`, and one whose port answers nothing. */
let server: Server;
let applying: ServiceProcess;
const down = { name: 'payments', url: 'http://127.0.0.1:9', main: '', env: {} } as ServiceProcess;
const outageOn = [{ key: 'provider-outage', variant: 'on' }] as FlagState[];

beforeAll(async () => {
  server = createServer((_request, response) => {
    response.setHeader('content-type', 'application/json');
    response.end(JSON.stringify({ flags: { 'provider-outage': 'on' } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  applying = { name: 'storefront', url: `http://127.0.0.1:${port}`, main: '', env: {} } as ServiceProcess;
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('waitForFlags', () => {
  it('is done when every service shows the variant', async () => {
    await expect(waitForFlags([applying], outageOn, 1_000)).resolves.toBeUndefined();
  });

  it('does not count a service it cannot reach as having applied the flags: it waits, then names it', async () => {
    await expect(waitForFlags([applying, down], outageOn, 600)).rejects.toThrow(
      'payments: not answering at http://127.0.0.1:9/health/flags',
    );
  });
});
