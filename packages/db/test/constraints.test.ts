import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Database } from '../src/index.ts';
import { describeEachDialect } from '../src/testing.ts';
import { AT, insertRunningInstance, instance, workflowVersion } from './fixtures.ts';

describeEachDialect('constraints', (dialect) => {
  let database: Database;

  beforeEach(async () => {
    database = await dialect.create();
  });

  afterEach(async () => {
    await database.close();
  });

  it('rejects a duplicate workflow version', async () => {
    const { db } = database;
    await insertRunningInstance(db);

    const duplicate = db.insertInto('workflow_versions').values(workflowVersion(1)).execute();

    await expect(duplicate).rejects.toThrow(/unique/i);
  });

  it('accepts the next workflow version', async () => {
    const { db } = database;
    await insertRunningInstance(db);

    await db.insertInto('workflow_versions').values(workflowVersion(2)).execute();

    const versions = await db
      .selectFrom('workflow_versions')
      .select('version')
      .orderBy('version')
      .execute();
    expect(versions.map((row) => row.version)).toEqual([1, 2]);
  });

  it('rejects a stale revision', async () => {
    const { db } = database;
    const { instanceId } = await insertRunningInstance(db);
    const guardedUpdate = (readRevision: number) =>
      db
        .updateTable('instances')
        .set({ status: 'paused', paused_at: AT, revision: readRevision + 1 })
        .where('id', '=', instanceId)
        .where('revision', '=', readRevision)
        .executeTakeFirst();

    const current = await guardedUpdate(1);
    const stale = await guardedUpdate(1);

    expect(current.numUpdatedRows).toBe(1n);
    expect(stale.numUpdatedRows).toBe(0n);
    const row = await db.selectFrom('instances').select('revision').executeTakeFirstOrThrow();
    expect(row.revision).toBe(2);
  });

  it('lets one of two concurrent writers win', async () => {
    const { db } = database;
    const { instanceId } = await insertRunningInstance(db);
    // Both writers read revision 1 before either writes, as two server processes would.
    const { revision } = await db
      .selectFrom('instances')
      .select('revision')
      .where('id', '=', instanceId)
      .executeTakeFirstOrThrow();
    const write = (status: 'paused' | 'cancelled') =>
      db.transaction().execute(async (trx) => {
        const result = await trx
          .updateTable('instances')
          .set({ status, revision: revision + 1 })
          .where('id', '=', instanceId)
          .where('revision', '=', revision)
          .executeTakeFirst();
        if (result.numUpdatedRows === 1n) {
          await trx
            .insertInto('transitions')
            .values({ instance_id: instanceId, from_state: 'running', to_state: status, at: AT })
            .execute();
        }
        return result.numUpdatedRows;
      });

    const updated = await Promise.all([write('paused'), write('cancelled')]);

    expect(updated.sort()).toEqual([0n, 1n]);
    const transitions = await db.selectFrom('transitions').select('to_state').execute();
    expect(transitions).toHaveLength(1);
    const row = await db
      .selectFrom('instances')
      .select(['status', 'revision'])
      .executeTakeFirstOrThrow();
    expect(row.revision).toBe(2);
    expect(row.status).toBe(transitions[0]?.to_state);
  });

  it('rejects a second instance for one occurrence', async () => {
    const { db } = database;
    const { versionId } = await insertRunningInstance(db);
    const occurrence = { occurrence_key: 'renewal:acme:2026-03-31' };
    await db
      .insertInto('instances')
      .values({ ...instance('i-2', versionId), ...occurrence })
      .execute();

    const duplicate = db
      .insertInto('instances')
      .values({ ...instance('i-3', versionId), ...occurrence })
      .execute();

    await expect(duplicate).rejects.toThrow(/unique/i);
  });

  it('allows many instances without occurrence', async () => {
    const { db } = database;
    const { versionId } = await insertRunningInstance(db);

    await db
      .insertInto('instances')
      .values([instance('i-2', versionId), instance('i-3', versionId)])
      .execute();

    const rows = await db
      .selectFrom('instances')
      .select('id')
      .where('occurrence_key', 'is', null)
      .execute();
    expect(rows).toHaveLength(3);
  });

  it('rejects a session of an unknown user', async () => {
    const insert = database.db
      .insertInto('sessions')
      .values({ id: 'token-digest', user_id: 'nobody', created_at: AT, expires_at: AT })
      .execute();

    await expect(insert).rejects.toThrow(/foreign key/i);
  });

  it('rejects a duplicate job key', async () => {
    const { db } = database;
    const job = { kind: 'due-timer', key: 'due:i-1:kickoff', run_at: AT };
    await db.insertInto('jobs').values(job).execute();

    await expect(db.insertInto('jobs').values(job).execute()).rejects.toThrow(/unique/i);
  });
});
