import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serverUrls } from '@incident-lab/config';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate } from './migrate';
import { createPool, dropDatabase } from './pool';

const { mysqlUrl: url } = serverUrls();
const database = `dbtest_${process.pid}`;

describe('migrate (real MySQL)', () => {
  afterAll(() => dropDatabase(url, database));

  it('applies each file once, in order, even when run concurrently', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'migrations-'));
    await writeFile(path.join(dir, '001_widgets.sql'), 'CREATE TABLE widgets (id INT PRIMARY KEY);');
    await writeFile(
      path.join(dir, '002_more.sql'),
      'ALTER TABLE widgets ADD COLUMN name VARCHAR(20); INSERT INTO widgets VALUES (1, "a");',
    );
    const runs = await Promise.all([migrate({ url, database, dir }), migrate({ url, database, dir })]);
    expect(runs.flat().sort()).toEqual(['001_widgets.sql', '002_more.sql']);
    expect(await migrate({ url, database, dir })).toEqual([]);

    const pool = createPool({ url, database });
    const [rows] = await pool.query('SELECT id, name FROM widgets');
    await pool.end();
    expect(rows).toEqual([{ id: 1, name: 'a' }]);
  });

  it("applies a library's migrations after the service's own, recorded under the library's name", async () => {
    const own = await mkdtemp(path.join(tmpdir(), 'own-'));
    const library = await mkdtemp(path.join(tmpdir(), 'library-'));
    await writeFile(path.join(own, '001_gadgets.sql'), 'CREATE TABLE gadgets (id INT PRIMARY KEY);');
    await writeFile(path.join(library, '001_keys.sql'), 'CREATE TABLE lib_keys (gadget INT);');
    const options = {
      url,
      database: `${database}_lib`,
      dir: own,
      libraries: [{ name: 'kit', dir: library }],
    };
    try {
      expect(await migrate(options)).toEqual(['001_gadgets.sql', 'kit/001_keys.sql']);
      expect(await migrate(options)).toEqual([]);
    } finally {
      await dropDatabase(url, options.database);
    }
  });
});
