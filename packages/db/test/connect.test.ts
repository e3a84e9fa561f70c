import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, databaseUrlFromEnv, openDatabase } from '../src/index.ts';
import type { Database } from '../src/index.ts';
import { describeEachDialect } from '../src/testing.ts';

describe('openDatabase', () => {
  let folder: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'milepost-connect-'));
  });

  afterEach(() => {
    rmSync(folder, { recursive: true, force: true });
  });

  it('creates ./data for the default URL', async () => {
    const previous = process.cwd();
    process.chdir(folder);
    try {
      const database = openDatabase();
      await database.close();
    } finally {
      process.chdir(previous);
    }

    expect(DEFAULT_DATABASE_URL).toBe('./data/milepost.db');
    expect(existsSync(join(folder, 'data', 'milepost.db'))).toBe(true);
  });

  it('creates missing parent folders', async () => {
    const path = join(folder, 'nested', 'deeper', 'milepost.db');

    const database = openDatabase(path);
    await database.close();

    expect(existsSync(path)).toBe(true);
  });

  it('opens a file path as SQLite', async () => {
    const path = join(folder, 'milepost.db');

    const database = openDatabase(path);
    await database.close();

    expect(database.dialect).toBe('sqlite');
    expect(database.url).toBe(path);
    expect(database.sqlite).toBeDefined();
  });

  it('opens postgres URLs as PostgreSQL', async () => {
    // The pool connects on the first query, so no server is needed here.
    for (const url of ['postgres://localhost/a', 'postgresql://localhost/a', 'POSTGRES://x/y']) {
      const database = openDatabase(url);
      await database.close();

      expect(database.dialect).toBe('postgres');
      expect(database.sqlite).toBeUndefined();
    }
  });

  it('rejects an empty URL', () => {
    expect(() => openDatabase(' ')).toThrow(/Database URL is empty/);
  });
});

describe('databaseUrlFromEnv', () => {
  it('reads MILEPOST_DATABASE_URL', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/milepost';

    expect(databaseUrlFromEnv({ MILEPOST_DATABASE_URL: url })).toBe(url);
  });

  it('falls back to the default', () => {
    expect(databaseUrlFromEnv({})).toBe(DEFAULT_DATABASE_URL);
    expect(databaseUrlFromEnv({ MILEPOST_DATABASE_URL: '' })).toBe(DEFAULT_DATABASE_URL);
  });
});

describeEachDialect('connection', (dialect) => {
  let database: Database;

  beforeEach(async () => {
    database = await dialect.create();
  });

  afterEach(async () => {
    await database.close();
  });

  it('reads numeric as numbers', async () => {
    const result = await sql<{
      price: number;
    }>`select cast(12.75 as numeric(10, 2)) as price`.execute(database.db);

    expect(result.rows).toEqual([{ price: 12.75 }]);
  });

  describe('writeTransaction', () => {
    const insertUser = (id: string) =>
      database.db
        .insertInto('users')
        .values({ id, email: `${id}@example.com`, name: id, role: 'csm', created_at: 0 })
        .compile();
    const userIds = async () =>
      (await database.db.selectFrom('users').select('id').orderBy('id').execute()).map(
        (row) => row.id,
      );

    it('commits what its work ran', async () => {
      const result = await database.writeTransaction(async (runner) => {
        await runner.executeQuery(insertUser('ada'));
        const inserted = await runner.executeQuery(insertUser('bo'));
        return Number(inserted.numAffectedRows);
      });

      expect(result).toBe(1);
      expect(await userIds()).toEqual(['ada', 'bo']);
    });

    it('rolls back when work throws', async () => {
      const failing = database.writeTransaction(async (runner) => {
        await runner.executeQuery(insertUser('ada'));
        await runner.executeQuery(insertUser('ada'));
      });

      await expect(failing).rejects.toThrow(/unique|duplicate/i);
      expect(await userIds()).toEqual([]);
    });

    it('hides uncommitted rows from other queries', async () => {
      let releaseWork!: () => void;
      const working = new Promise<void>((resolve) => (releaseWork = resolve));
      const transaction = database.writeTransaction(async (runner) => {
        await runner.executeQuery(insertUser('ada'));
        await working;
        throw new Error('Rolled back on purpose.');
      });
      // On SQLite this query waits for the connection the transaction holds. On PostgreSQL it
      // runs on another connection. Either way it must not see the row that is rolled back.
      const reading = userIds();
      await new Promise((resolve) => setTimeout(resolve, 20));
      releaseWork();

      await expect(transaction).rejects.toThrow('Rolled back on purpose.');
      expect(await reading).toEqual([]);
    });
  });

  it('closes twice without error', async () => {
    await database.close();

    await expect(database.close()).resolves.toBeUndefined();
  });

  if (dialect.name === 'sqlite') {
    it('sets the SQLite pragmas', () => {
      const sqlite = database.sqlite!;

      expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(sqlite.pragma('synchronous', { simple: true })).toBe(1);
      expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    });
  }

  if (dialect.name === 'postgres') {
    it('rejects a bigint beyond 2^53', async () => {
      const query = sql`select cast(9007199254740993 as bigint) as big`.execute(database.db);

      await expect(query).rejects.toThrow(/exceeds the safe integer range/);
    });

    it('stays usable after a bigint error', async () => {
      await sql`select cast(9007199254740993 as bigint)`.execute(database.db).catch(() => {});

      const result = await sql<{ one: number }>`select cast(1 as bigint) as one`.execute(
        database.db,
      );
      expect(result.rows).toEqual([{ one: 1 }]);
    });
  }
});
