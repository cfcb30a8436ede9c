import { setTimeout as sleep } from 'node:timers/promises';
import { databaseName } from '@incident-lab/config';
import { createPool, dropDatabase, ensureDatabase } from '@incident-lab/db';
import { afterAll, describe, expect, it } from 'vitest';
import { labOptions } from '../settings/lab-options';
import { cancelLeftoverQueries } from './leftover-queries';

const namespace = `leftover_${process.pid}`;
const lab = labOptions(process.env, { namespace, portBase: 4500 });
const database = databaseName(namespace, 'storefront');

afterAll(() => dropDatabase(lab.mysqlUrl, database));

describe("cancelling a storm's leftover queries", () => {
  it('stops a plain read of the lab that has run for a second, and leaves young ones, locking reads and other databases alone', async () => {
    await ensureDatabase(lab.mysqlUrl, database);
    const shop = createPool({ url: lab.mysqlUrl, database, connectionLimit: 3 });
    const elsewhere = createPool({ url: lab.mysqlUrl, connectionLimit: 1 });
    try {
      const started = performance.now();
      const old = shop.query('\n  SELECT SLEEP(20) AS slept');
      const locking = shop.query('SELECT SLEEP(3) AS slept FROM DUAL FOR UPDATE');
      const outside = elsewhere.query('SELECT SLEEP(3) AS slept');
      // Not yet old enough: nothing is cancelled.
      expect(await cancelLeftoverQueries(lab)).toBe(0);
      let cancelled = 0;
      while (cancelled === 0 && performance.now() - started < 10_000) {
        await sleep(200);
        cancelled = await cancelLeftoverQueries(lab);
      }
      expect(cancelled).toBe(1);
      // MariaDB ends a killed SLEEP early with 1 (interrupted); MySQL with an error: either way, early.
      await old.catch(() => undefined);
      expect(performance.now() - started).toBeLessThan(8_000);
      // The locking read and the query outside the lab's databases ran their full 3 s.
      for (const untouched of [locking, outside]) {
        const [[row]] = (await untouched) as unknown as [[{ slept: number }]];
        expect(row.slept).toBe(0);
      }
    } finally {
      await shop.end();
      await elsewhere.end();
    }
  });
});
