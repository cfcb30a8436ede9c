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
});
