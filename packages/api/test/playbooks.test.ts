import { migrateToLatest } from '@milepost/db';
import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { Engine, ManualClock } from '@milepost/engine';
import type { User } from '@milepost/model';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createCaller } from '../src/index.ts';

const attack = {
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: '<img src=x onerror=alert(1)>' },
        {
          type: 'text',
          text: 'go',
          marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }],
        },
      ],
    },
  ],
};

const playbook = {
  name: 'Usage drop',
  overview: attack,
  steps: [{ id: 'call', title: 'Call the champion' }],
  offers: [{ title: 'Training', limit: 'Up to 2 sessions' }],
  links: [{ title: 'Guide', url: 'https://example.com/guide' }],
};

describeEachDialect('playbooks router', (dialect) => {
  let database: Database;
  let engine: Engine;
  let users: Record<'lead' | 'csm', User>;

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
      lead: await engine.users.upsert({ email: 'lead@example.com', name: 'Lee', role: 'lead' }),
      csm: await engine.users.upsert({ email: 'csm@example.com', name: 'Casey', role: 'csm' }),
    };
  });
  afterEach(() => database.close());

  it('saves, publishes and renders', async () => {
    const lead = callerFor(users.lead);
    const created = await lead.playbooks.create({ key: 'usage-drop', name: 'Usage drop' });
    const saved = await lead.playbooks.saveDraft({
      key: 'usage-drop',
      playbook,
      baseRevision: created.revision,
    });
    const published = await lead.playbooks.publish({ key: 'usage-drop' });
    const view = await callerFor(users.csm).playbooks.get({ key: 'usage-drop' });

    expect(saved.revision).toBe(2);
    expect(saved.problems).toEqual([]);
    expect(published).toMatchObject({ version: 1, created: true });
    expect(view.latest?.rendered.overview).toBe(
      '<p>&lt;img src=x onerror=alert(1)&gt;' +
        '<a target="_blank" rel="noopener noreferrer nofollow">go</a></p>',
    );
    expect(view.latest?.rendered.offers).toEqual([
      { title: 'Training', limit: 'Up to 2 sessions', details: '' },
    ]);
  });

  it('previews unsaved content', async () => {
    const lead = callerFor(users.lead);
    const preview = await lead.playbooks.preview({ key: 'usage-drop', playbook });
    expect(preview.overview).not.toContain('<img');
    expect(preview.overview).not.toContain('javascript:');
    expect(await engine.playbooks.list()).toEqual([]);
  });

  it('keeps writes to leads and admins', async () => {
    const csm = callerFor(users.csm);
    expect(await codeOf(csm.playbooks.create({ key: 'x', name: 'X' }))).toBe('FORBIDDEN');
    expect(await codeOf(csm.playbooks.publish({ key: 'x' }))).toBe('FORBIDDEN');
  });

  it('maps a stale save to CONFLICT', async () => {
    const lead = callerFor(users.lead);
    await lead.playbooks.create({ key: 'usage-drop', name: 'Usage drop' });
    await lead.playbooks.saveDraft({ key: 'usage-drop', playbook, baseRevision: 1 });
    const stale = lead.playbooks.saveDraft({ key: 'usage-drop', playbook, baseRevision: 1 });
    expect(await codeOf(stale)).toBe('CONFLICT');
  });

  it('rejects an invalid draft, naming every problem', async () => {
    const lead = callerFor(users.lead);
    await lead.playbooks.create({ key: 'usage-drop', name: 'Usage drop' });
    const invalid = {
      ...playbook,
      steps: [{ id: 'call', title: '' }],
      links: [{ title: 'x', url: 'ftp://x' }],
    };
    await lead.playbooks.saveDraft({ key: 'usage-drop', playbook: invalid, baseRevision: 1 });

    const error = await lead.playbooks.publish({ key: 'usage-drop' }).catch((caught) => caught);
    expect(error).toBeInstanceOf(TRPCError);
    expect((error as TRPCError).code).toBe('BAD_REQUEST');
    expect((error as TRPCError).message).toContain('steps.0.title: Give the step a title.');
    expect((error as TRPCError).message).toContain('links.0.url: Links must start with');
  });
});
