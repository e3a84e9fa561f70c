import { Migrator, sql } from 'kysely';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { dialectModules } from '../src/dialects/index.ts';
import { createMigrationProvider } from '../src/migrations/index.ts';
import { migrateToLatest, migrationNames } from '../src/index.ts';
import type { Database } from '../src/index.ts';
import { describeEachDialect } from '../src/testing.ts';

const TABLES = [
  'account_events',
  'accounts',
  'alert_events',
  'alert_steps',
  'alert_types',
  'alerts',
  'api_tokens',
  'idempotency_keys',
  'instance_milestones',
  'instances',
  'jobs',
  'metrics',
  'milestone_duration_totals',
  'milestone_durations',
  'notifications',
  'playbook_drafts',
  'playbook_versions',
  'playbooks',
  'sessions',
  'transitions',
  'users',
  'workflow_drafts',
  'workflow_rules',
  'workflow_versions',
  'workflows',
];

describeEachDialect('migrateToLatest', (dialect) => {
  let database: Database;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
  });

  afterEach(async () => {
    await database.close();
  });

  it('applies every migration to a fresh database', async () => {
    const applied = await migrateToLatest(database);

    expect(applied).toEqual([
      '0001_initial',
      '0002_drafts',
      '0003_rules',
      '0004_notifications',
      '0005_instance_paused',
      '0006_alerts',
      '0007_milestone_durations',
    ]);
    expect(applied).toEqual(migrationNames);
  });

  it('creates every table', async () => {
    await migrateToLatest(database);

    const tables = await database.db.introspection.getTables();
    const names = tables.map((table) => table.name).filter((name) => !name.startsWith('kysely_'));
    expect(names.sort()).toEqual(TABLES);
  });

  it('fills milestone durations from history', async () => {
    const migrator = new Migrator({
      db: database.db,
      provider: createMigrationProvider(dialectModules[database.dialect]),
    });
    await migrator.migrateTo('0006_alerts');
    const day = 86_400_000;
    const definition = JSON.stringify({
      key: 'w',
      name: 'W',
      milestones: [{ id: 'm', name: 'M', targetDays: 2 }],
      dependencies: [],
    });
    await sql`insert into accounts (id, name, owner_id, segment, created_at, updated_at)
      values ('a1', 'A1', null, 'SMB', 0, 0), ('a2', 'A2', null, null, 0, 0)`.execute(database.db);
    await sql`insert into workflows (key, name, created_at, updated_at)
      values ('w', 'W', 0, 0)`.execute(database.db);
    await sql`insert into workflow_versions (workflow_key, version, definition_json, content_hash,
      published_at) values ('w', 1, ${definition}, 'x', 0)`.execute(database.db);
    const versionId = (
      await sql<{ id: number }>`select id from workflow_versions`.execute(database.db)
    ).rows[0]!.id;
    await sql`insert into instances (id, workflow_key, version_id, account_id, status,
      snapshot_json, started_at) values ('i1', 'w', ${versionId}, 'a1', 'completed', '{}', 0),
      ('i2', 'w', ${versionId}, 'a2', 'running', '{}', 0)`.execute(database.db);
    // i1's milestone took 3 days, one of them paused, and was due after 4; i2's is still open.
    await sql`insert into instance_milestones (instance_id, milestone_id, state, ready_at,
      started_at, done_at, due_at, paused_ms, active_paused_ms)
      values ('i1', 'm', 'done', 0, ${day}, ${3 * day}, ${4 * day}, ${day}, 0),
             ('i2', 'm', 'ready', 0, null, null, null, 0, 0)`.execute(database.db);

    await migrateToLatest(database);

    const rows = await database.db
      .selectFrom('milestone_durations')
      .select(['breakdown', 'breakdown_value', 'duration_ms', 'active_ms', 'target_ms', 'on_time'])
      .orderBy('breakdown')
      .execute();
    expect(rows).toEqual(
      [
        ['none', ''],
        ['owner', ''],
        ['segment', 'SMB'],
        ['version', '1'],
      ].map(([breakdown, value]) => ({
        breakdown,
        breakdown_value: value,
        duration_ms: 2 * day,
        active_ms: 2 * day,
        target_ms: 2 * day,
        on_time: 1,
      })),
    );
    const totals = await database.db
      .selectFrom('milestone_duration_totals')
      .select(['breakdown', 'done_count', 'duration_sum_ms', 'over_count'])
      .orderBy('breakdown')
      .execute();
    expect(totals.map((row) => row.done_count)).toEqual([1, 1, 1, 1]);
    expect(totals.map((row) => row.duration_sum_ms)).toEqual(Array(4).fill(2 * day));
    expect(totals.map((row) => row.over_count)).toEqual([0, 0, 0, 0]);
  });

  it('applies nothing on a second run', async () => {
    await migrateToLatest(database);

    expect(await migrateToLatest(database)).toEqual([]);
  });

  it('names the failed migration', async () => {
    await database.db.schema.createTable('users').addColumn('id', 'text').execute();

    const migrating = migrateToLatest(database);

    await expect(migrating).rejects.toThrow(/Database migration "0001_initial" failed/);
  });

  it('keeps the database error as cause', async () => {
    await database.db.schema.createTable('users').addColumn('id', 'text').execute();

    const error: unknown = await migrateToLatest(database).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).cause).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/users/);
  });
});
