import { afterEach, beforeEach, expect, it } from 'vitest';
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
    ]);
    expect(applied).toEqual(migrationNames);
  });

  it('creates every table', async () => {
    await migrateToLatest(database);

    const tables = await database.db.introspection.getTables();
    const names = tables.map((table) => table.name).filter((name) => !name.startsWith('kysely_'));
    expect(names.sort()).toEqual(TABLES);
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
