import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Database } from '../src/index.ts';
import { describeEachDialect } from '../src/testing.ts';
import {
  AT,
  account,
  insertRunningInstance,
  instance,
  user,
  workflow,
  workflowVersion,
} from './fixtures.ts';

describeEachDialect('tables', (dialect) => {
  let database: Database;

  beforeEach(async () => {
    database = await dialect.create();
  });

  afterEach(async () => {
    await database.close();
  });

  it('round-trips users, accounts and workflows', async () => {
    const { db } = database;
    await db.insertInto('users').values(user).execute();
    await db.insertInto('accounts').values(account).execute();
    await db.insertInto('workflows').values(workflow).execute();

    expect(await db.selectFrom('users').selectAll().executeTakeFirst()).toEqual({
      ...user,
      daily_digest: 0,
    });
    expect(await db.selectFrom('accounts').selectAll().executeTakeFirst()).toEqual(account);
    expect(await db.selectFrom('workflows').selectAll().executeTakeFirst()).toEqual(workflow);
  });

  it('returns bigint columns as numbers', async () => {
    const { db } = database;
    await db.insertInto('users').values(user).execute();

    const row = await db.selectFrom('users').select('created_at').executeTakeFirstOrThrow();
    expect(typeof row.created_at).toBe('number');
    expect(row.created_at).toBe(AT);

    const counted = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .executeTakeFirstOrThrow();
    expect(counted.count).toBe(1);
  });

  it('round-trips sessions', async () => {
    const { db } = database;
    await db.insertInto('users').values(user).execute();
    const session = {
      id: 'a3f1c2',
      user_id: 'u-lead',
      created_at: AT,
      expires_at: AT + 14 * 86_400_000,
    };
    await db.insertInto('sessions').values(session).execute();

    expect(await db.selectFrom('sessions').selectAll().executeTakeFirst()).toEqual(session);
  });

  it('round-trips workflow versions', async () => {
    const { db } = database;
    await db.insertInto('users').values(user).execute();
    await db.insertInto('workflows').values(workflow).execute();

    const { id } = await db
      .insertInto('workflow_versions')
      .values(workflowVersion(1))
      .returning('id')
      .executeTakeFirstOrThrow();

    expect(typeof id).toBe('number');
    const row = await db.selectFrom('workflow_versions').selectAll().executeTakeFirst();
    expect(row).toEqual({ id, ...workflowVersion(1) });
  });

  it('round-trips instances', async () => {
    const { db } = database;
    const { versionId } = await insertRunningInstance(db, 'i-defaults');
    const full = {
      ...instance('i-full', versionId),
      status: 'paused' as const,
      snapshot_json: '{"value":{"kickoff":"active"}}',
      revision: 7,
      anchor_date: '2026-03-31',
      occurrence_key: 'renewal:acme:2026-03-31',
      rule_id: 'renewal-90-days',
      paused_ms: 60_000,
      started_by: 'u-lead',
      ended_at: null,
      paused_at: AT + 60_000,
    };
    await db.insertInto('instances').values(full).execute();

    const row = await db.selectFrom('instances').selectAll().where('id', '=', 'i-full').execute();
    expect(row).toEqual([full]);
  });

  it('round-trips instance milestones', async () => {
    const { db } = database;
    const { instanceId } = await insertRunningInstance(db);
    const milestone = {
      instance_id: instanceId,
      milestone_id: 'kickoff',
      state: 'active' as const,
      assignee_id: 'u-lead',
      ready_at: AT,
      started_at: AT + 1_000,
      done_at: null,
      due_at: AT + 3 * 86_400_000,
      overdue_at: null,
      paused_ms: 5_000,
      active_paused_ms: 4_000,
      note: 'Waiting for the customer',
    };
    await db.insertInto('instance_milestones').values(milestone).execute();

    expect(await db.selectFrom('instance_milestones').selectAll().execute()).toEqual([milestone]);
  });

  it('round-trips transitions', async () => {
    const { db } = database;
    const { instanceId } = await insertRunningInstance(db);
    const transition = {
      instance_id: instanceId,
      milestone_id: 'kickoff',
      from_state: 'ready',
      to_state: 'active',
      at: AT + 1_000,
      user_id: 'u-lead',
      simulated: 1 as const,
      detail: '{"item":"agenda"}',
    };

    const { id } = await db
      .insertInto('transitions')
      .values(transition)
      .returning('id')
      .executeTakeFirstOrThrow();

    expect(await db.selectFrom('transitions').selectAll().execute()).toEqual([
      { id, ...transition },
    ]);
  });

  it('round-trips idempotency keys', async () => {
    const { db } = database;
    const key = { key: 'req-42', instance_id: 'i-1', created_at: AT };
    await db.insertInto('idempotency_keys').values(key).execute();

    expect(await db.selectFrom('idempotency_keys').selectAll().execute()).toEqual([key]);
  });

  it('round-trips jobs', async () => {
    const { db } = database;
    const job = {
      kind: 'due-timer',
      key: 'due:i-1:kickoff',
      run_at: AT + 86_400_000,
      payload_json: '{"instanceId":"i-1"}',
      claimed_by: 'server-a',
      claimed_until: AT + 30_000,
      done_at: null,
      attempts: 2,
      last_error: 'Instance i-1 not found',
    };

    const { id } = await db
      .insertInto('jobs')
      .values(job)
      .returning('id')
      .executeTakeFirstOrThrow();

    expect(await db.selectFrom('jobs').selectAll().execute()).toEqual([{ id, ...job }]);
  });

  it('fills account defaults', async () => {
    const { db } = database;
    await db
      .insertInto('accounts')
      .values({ id: 'bare', name: 'Bare', created_at: AT, updated_at: AT })
      .execute();

    const row = await db.selectFrom('accounts').selectAll().executeTakeFirstOrThrow();
    expect(row.dates_json).toBe('{}');
    expect(row.fields_json).toBe('{}');
    expect(row.owner_id).toBeNull();
  });

  it('fills workflow defaults', async () => {
    const { db } = database;
    await db
      .insertInto('workflows')
      .values({ key: 'renewal', name: 'Renewal', created_at: AT, updated_at: AT })
      .execute();

    const row = await db.selectFrom('workflows').selectAll().executeTakeFirstOrThrow();
    expect(row.description).toBe('');
    expect(row.archived_at).toBeNull();
  });

  it('starts instances at revision 1', async () => {
    const { db } = database;
    await insertRunningInstance(db);

    const row = await db.selectFrom('instances').selectAll().executeTakeFirstOrThrow();
    expect(row.revision).toBe(1);
    expect(row.occurrence_key).toBeNull();
  });

  it('fills milestone and transition defaults', async () => {
    const { db } = database;
    const { instanceId } = await insertRunningInstance(db);
    await db
      .insertInto('instance_milestones')
      .values({ instance_id: instanceId, milestone_id: 'kickoff', state: 'ready' })
      .execute();
    await db
      .insertInto('transitions')
      .values({ instance_id: instanceId, to_state: 'running', at: AT })
      .execute();

    const milestone = await db
      .selectFrom('instance_milestones')
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(milestone.paused_ms).toBe(0);
    expect(milestone.active_paused_ms).toBe(0);

    const transition = await db.selectFrom('transitions').selectAll().executeTakeFirstOrThrow();
    expect(transition.simulated).toBe(0);
    expect(transition.milestone_id).toBeNull();
  });

  it('fills job defaults', async () => {
    const { db } = database;
    await db.insertInto('jobs').values({ kind: 'rule', key: 'rule:renewal', run_at: AT }).execute();

    const row = await db.selectFrom('jobs').selectAll().executeTakeFirstOrThrow();
    expect(row.payload_json).toBe('{}');
    expect(row.attempts).toBe(0);
    expect(row.claimed_by).toBeNull();
  });
});
