import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../src/index.ts';
import type { Database } from '../src/index.ts';
import { describeEachDialect, TEST_POSTGRES_URL_VARIABLE } from '../src/testing.ts';

/** Checks through a separate connection whether the database at `database.url` still exists. */
async function exists(database: Database): Promise<boolean> {
  if (database.dialect === 'sqlite') {
    return existsSync(database.url);
  }

  const name = new URL(database.url).pathname.slice(1);
  const server = openDatabase(process.env[TEST_POSTGRES_URL_VARIABLE]);
  try {
    const result = await sql`select 1 from pg_database where datname = ${name}`.execute(server.db);
    return result.rows.length === 1;
  } finally {
    await server.close();
  }
}

describeEachDialect('test dialect', (dialect) => {
  it('creates a migrated database', async () => {
    const database = await dialect.create();
    try {
      const rows = await database.db.selectFrom('users').selectAll().execute();
      expect(rows).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('removes the database on close', async () => {
    const database = await dialect.create();
    const existedBefore = await exists(database);

    await database.close();

    expect(existedBefore).toBe(true);
    expect(await exists(database)).toBe(false);
  });

  it('creates a separate database each time', async () => {
    const first = await dialect.create();
    const second = await dialect.create();
    try {
      expect(first.url).not.toBe(second.url);
    } finally {
      await first.close();
      await second.close();
    }
  });

  if (dialect.name === 'sqlite') {
    it('places SQLite files in the temp folder', async () => {
      const database = await dialect.create();
      await database.close();

      expect(database.url.startsWith(tmpdir())).toBe(true);
    });
  }

  if (dialect.name === 'postgres') {
    it('names PostgreSQL databases milepost_t_', async () => {
      const database = await dialect.create();
      await database.close();

      expect(new URL(database.url).pathname).toMatch(/^\/milepost_t_[0-9a-f]{12}$/);
    });
  }
});
