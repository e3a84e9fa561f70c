import { migrateToLatest } from '@milepost/db';
import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { Engine, ManualClock } from '@milepost/engine';
import type { User } from '@milepost/model';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createCaller } from '../src/index.ts';

const definition = {
  key: 'renewal',
  name: 'Renewal',
  milestones: [
    { id: 'review', name: 'Review usage', targetDays: 5 },
    { id: 'offer', name: 'Send offer', targetDays: 3 },
  ],
  dependencies: [{ from: 'review', to: 'offer' }],
};

describeEachDialect('drafts router', (dialect) => {
  let database: Database;
  let engine: Engine;
  let users: Record<'admin' | 'lead' | 'csm', User>;

  const callerFor = (user: User) =>
    createCaller({ engine, user, sessionToken: undefined, setSessionCookie: () => {} });

  async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
    const error: unknown = await promise.catch((caught: unknown) => caught);
    return error instanceof TRPCError ? error.code : undefined;
  }

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    await migrateToLatest(database);
    engine = new Engine({ database, clock: new ManualClock('2025-03-03T09:00:00Z') });
    users = {
      admin: await engine.users.upsert({ email: 'admin@example.com', name: 'Ada', role: 'admin' }),
      lead: await engine.users.upsert({ email: 'lead@example.com', name: 'Lee', role: 'lead' }),
      csm: await engine.users.upsert({ email: 'csm@example.com', name: 'Casey', role: 'csm' }),
    };
  });
  afterEach(() => database.close());

  it('lets a lead import and save', async () => {
    const lead = callerFor(users.lead);
    const draft = await lead.drafts.import({ definition });
    const saved = await lead.drafts.save({
      key: 'renewal',
      definition: { ...definition, name: 'Renewal 2' },
      baseRevision: draft.revision,
    });

    expect(saved.revision).toBe(2);
    expect((await lead.drafts.get({ key: 'renewal' })).definition.name).toBe('Renewal 2');
  });

  it('maps a stale save to CONFLICT', async () => {
    const lead = callerFor(users.lead);
    await lead.drafts.import({ definition });
    await lead.drafts.save({ key: 'renewal', definition, baseRevision: 1 });

    const stale = lead.drafts.save({ key: 'renewal', definition, baseRevision: 1 });
    expect(await codeOf(stale)).toBe('CONFLICT');
  });

  it('rejects an invalid import with its problems', async () => {
    const lead = callerFor(users.lead);
    const cyclic = {
      ...definition,
      dependencies: [...definition.dependencies, { from: 'offer', to: 'review' }],
    };

    const error: unknown = await lead.drafts
      .import({ definition: cyclic })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).message).toMatch(/cycle: review -> offer -> review/);
  });

  it('lets only admins publish', async () => {
    await callerFor(users.lead).drafts.import({ definition });

    expect(await codeOf(callerFor(users.lead).drafts.publish({ key: 'renewal' }))).toBe(
      'FORBIDDEN',
    );
    const published = await callerFor(users.admin).drafts.publish({ key: 'renewal' });
    expect(published).toEqual({ key: 'renewal', version: 1, created: true });
  });

  it('lets a CSM read but not edit', async () => {
    await callerFor(users.lead).drafts.import({ definition });
    const csm = callerFor(users.csm);

    expect(await csm.drafts.list()).toHaveLength(1);
    expect(await codeOf(csm.drafts.create({ key: 'qbr', name: 'QBR' }))).toBe('FORBIDDEN');
    expect(await codeOf(csm.drafts.archive({ key: 'renewal' }))).toBe('FORBIDDEN');
  });
});
