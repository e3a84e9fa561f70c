import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import { Account, parseDefinition, type User } from '@milepost/model';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpMailer } from '../src/mailer.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { createTestClient, trpcError, type TestClient } from '../../../test/support/trpc.ts';

const PASSWORD = 'correct horse 42';
const DAY = 86_400_000;

type Person = 'admin' | 'lead' | 'csmA' | 'csmB';

/** Milestones without dependencies, so all become ready at once, each due a different day. */
const SPREAD = parseDefinition({
  key: 'spread',
  name: 'Spread of due dates',
  milestones: [
    { id: 'one_day', name: 'One day', targetDays: 1 },
    { id: 'two_days', name: 'Two days', targetDays: 2 },
    { id: 'six_days', name: 'Six days', targetDays: 6 },
    { id: 'seven_days', name: 'Seven days', targetDays: 7 },
    {
      id: 'no_date',
      name: 'No date',
      targetDays: 3,
      due: { kind: 'account_date', field: 'kickoff_date', days: 0 },
    },
  ],
});

/** One milestone due two days after it becomes ready. */
const SINGLE = parseDefinition({
  key: 'single',
  name: 'Single step',
  milestones: [
    {
      id: 'step',
      name: 'Only step',
      targetDays: 2,
      checklist: [{ id: 'check', title: 'Check it', required: true }],
    },
  ],
});

interface Setup {
  scratch: string;
  server: TestServer;
  users: Record<Person, User>;
  signedIn(person: Person): Promise<TestClient>;
  /** Publishes a definition and starts it on the accounts, returning instance ids in order. */
  deploy(definition: typeof SINGLE, accountIds: string[]): Promise<string[]>;
}

function account(id: string, name: string, ownerId: string, extra: Partial<Account> = {}) {
  return Account.parse({
    id,
    name,
    ownerId,
    segment: 'SMB',
    stage: 'Onboarding',
    dates: {},
    fields: {},
    ...extra,
  });
}

async function setUp(clockStart: string): Promise<Setup> {
  const scratch = await mkdtemp(join(tmpdir(), 'milepost-workspace-'));
  const server = await startTestServer({
    databaseUrl: join(scratch, 'workspace.db'),
    clock: new ManualClock(clockStart),
  });
  const add = (email: string, name: string, role: User['role']) =>
    server.engine.users.upsert({ email, name, role, password: PASSWORD });
  const users = {
    admin: await add('admin@example.com', 'Ada Admin', 'admin'),
    lead: await add('lead@example.com', 'Lee Lead', 'lead'),
    csmA: await add('csm.a@example.com', 'Cal A', 'csm'),
    csmB: await add('csm.b@example.com', 'Cam B', 'csm'),
  };
  const published = new Map<string, number>();
  return {
    scratch,
    server,
    users,
    async signedIn(person) {
      const client = createTestClient(server.url);
      await client.signIn(users[person].email, PASSWORD);
      return client;
    },
    async deploy(definition, accountIds) {
      let versionId = published.get(definition.key);
      if (versionId === undefined) {
        versionId = (await server.engine.workflows.publish(definition, users.admin.id)).version.id;
        published.set(definition.key, versionId);
      }
      const { started } = await server.engine.instances.deploy(versionId, accountIds, {
        userId: users.lead.id,
      });
      return started;
    },
  };
}

async function tearDown(setup: Setup | undefined) {
  if (!setup) return;
  await setup.server.close();
  await rm(setup.scratch, { recursive: true, force: true });
}

describe('taskGroups.grouped', () => {
  let setup: Setup;

  beforeAll(async () => {
    // Monday at midnight UTC: due dates then fall exactly on day and week boundaries.
    setup = await setUp('2025-03-03T00:00:00Z');
    await setup.server.engine.accounts.upsert([account('acc-1', 'Acme', setup.users.csmA.id)]);
    await setup.deploy(SPREAD, ['acc-1']);
  });
  afterAll(() => tearDown(setup));

  it('groups by UTC day and Monday-to-Sunday week', async () => {
    setup.server.clock.set('2025-03-05T00:00:00Z');
    const csm = await setup.signedIn('csmA');
    const result = await csm.trpc.taskGroups.grouped.query();

    expect(result.now).toBe(Date.parse('2025-03-05T00:00:00Z'));
    expect(result.total).toBe(5);
    const names = Object.fromEntries(
      result.groups.map((group) => [group.key, group.tasks.map((task) => task.milestoneName)]),
    );
    // Due Tuesday 00:00 is past; due now (Wednesday 00:00) is today; Sunday 00:00 is this
    // week; the next Monday 00:00 starts the next week.
    expect(names).toEqual({
      overdue: ['One day'],
      today: ['Two days'],
      this_week: ['Six days'],
      later: ['Seven days'],
      no_date: ['No date'],
    });
    expect(result.groups.map((group) => group.count)).toEqual([1, 1, 1, 1, 1]);
    expect(result.alerts).toEqual({ key: 'alerts', label: 'Alerts', count: 0, tasks: [] });
  });

  it('moves a task to overdue a millisecond after its due time', async () => {
    setup.server.clock.set(Date.parse('2025-03-05T00:00:00Z') + 1);
    const csm = await setup.signedIn('csmA');
    const result = await csm.trpc.taskGroups.grouped.query();
    const overdue = result.groups.find((group) => group.key === 'overdue');
    expect(overdue?.tasks.map((task) => task.milestoneName)).toEqual(['One day', 'Two days']);
    expect(overdue?.tasks.every((task) => task.overdue)).toBe(true);
  });

  it('rejects a CSM asking for the team', async () => {
    const csm = await setup.signedIn('csmA');
    const error = await trpcError(csm.trpc.taskGroups.grouped.query({ everyone: true }));
    expect(error.data?.code).toBe('FORBIDDEN');
  });

  it('lets a lead see one CSM or the team', async () => {
    const lead = await setup.signedIn('lead');
    const own = await lead.trpc.taskGroups.grouped.query();
    expect(own.total).toBe(0);
    const csmA = await lead.trpc.taskGroups.grouped.query({ assigneeId: setup.users.csmA.id });
    expect(csmA.total).toBe(5);
    const team = await lead.trpc.taskGroups.grouped.query({ everyone: true });
    expect(team.total).toBe(5);
  });
});

describe('notifications', () => {
  let setup: Setup;
  let instanceId: string;

  beforeAll(async () => {
    setup = await setUp('2025-03-10T09:00:00Z');
    await setup.server.engine.accounts.upsert([account('acc-n', 'Nimbus', setup.users.csmB.id)]);
    [instanceId = ''] = await setup.deploy(SINGLE, ['acc-n']);
  });
  afterAll(() => tearDown(setup));

  async function kinds(): Promise<string[]> {
    const csm = await setup.signedIn('csmB');
    const { items } = await csm.trpc.notifications.list.query();
    return items.map((item) => item.kind).sort();
  }

  it('notifies a newly assigned task once', async () => {
    expect(await kinds()).toEqual(['assigned']);
    const csm = await setup.signedIn('csmB');
    const { items } = await csm.trpc.notifications.list.query();
    expect(items[0]).toMatchObject({ instanceId, milestoneId: 'step', read: false });
    expect(items[0]?.message).toBe('New task: Only step for Nimbus.');
  });

  it('notifies a task due tomorrow once', async () => {
    // Due Wednesday 09:00; on Tuesday it is due tomorrow.
    setup.server.clock.set('2025-03-11T08:00:00Z');
    await setup.server.engine.scheduler.tick();
    await setup.server.engine.scheduler.tick();
    expect(await kinds()).toEqual(['assigned', 'due_tomorrow']);
  });

  it('notifies an overdue task once', async () => {
    setup.server.clock.set('2025-03-12T09:30:00Z');
    const summary = await setup.server.engine.scheduler.tick();
    expect(summary.overdue).toBe(1);
    await setup.server.engine.scheduler.tick();
    expect(await kinds()).toEqual(['assigned', 'due_tomorrow', 'overdue']);
  });

  it('counts unread and marks read', async () => {
    const csm = await setup.signedIn('csmB');
    expect(await csm.trpc.notifications.unreadCount.query()).toBe(3);
    const { items } = await csm.trpc.notifications.list.query();
    const marked = await csm.trpc.notifications.markRead.mutate({ ids: [items[0]!.id] });
    expect(marked.marked).toBe(1);
    expect(await csm.trpc.notifications.unreadCount.query()).toBe(2);
    await csm.trpc.notifications.markRead.mutate({});
    expect(await csm.trpc.notifications.unreadCount.query()).toBe(0);

    const other = await setup.signedIn('csmA');
    expect(await other.trpc.notifications.unreadCount.query()).toBe(0);
  });

  it('stores the daily digest setting', async () => {
    const csm = await setup.signedIn('csmB');
    expect(await csm.trpc.notifications.settings.query()).toEqual({ dailyDigest: false });
    await csm.trpc.notifications.setDailyDigest.mutate({ enabled: true });
    expect(await csm.trpc.notifications.settings.query()).toEqual({ dailyDigest: true });
  });
});

describe('daily digest', () => {
  interface Received {
    to: string[];
    raw: string;
  }
  let scratch: string;
  let smtp: SMTPServer;
  let port: number;
  const received: Received[] = [];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost-digest-'));
    // A local SMTP server without TLS or authentication, keeping every message it receives.
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          received.push({
            to: session.envelope.rcptTo.map((address) => address.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    port = (smtp.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => smtp?.close(() => resolve()));
    await rm(scratch, { recursive: true, force: true });
  });

  it('mails opted-in users at 07:00 UTC once', async () => {
    const database = openDatabase(join(scratch, 'digest.db'));
    await migrateToLatest(database);
    const clock = new ManualClock('2025-03-10T09:00:00Z');
    const mailer = smtpMailer(`smtp://127.0.0.1:${port}`, 'Milepost <m@example.com>', {
      ignoreTLS: true,
    });
    const engine = new Engine({ database, clock, mailer });
    try {
      const add = (email: string, name: string) =>
        engine.users.upsert({ email, name, role: 'csm', password: PASSWORD });
      const reader = await add('reader@example.com', 'Rea Reader');
      const quiet = await add('quiet@example.com', 'Quinn Quiet');
      await engine.setDailyDigest(reader.id, true);
      await engine.accounts.upsert([
        account('acc-r', 'Rivet', reader.id),
        account('acc-q', 'Quarry', quiet.id),
      ]);
      const { version } = await engine.workflows.publish(SINGLE, null);
      await engine.instances.deploy(version.id, ['acc-r', 'acc-q'], { userId: null });

      // The step is due at 09:00 on the 12th. A pass at 06:00 plans that day's digest for 07:00.
      clock.set('2025-03-12T06:00:00Z');
      const early = await engine.scheduler.tick();
      expect(early.digests).toBe(0);
      expect(received).toHaveLength(0);

      clock.set('2025-03-12T07:00:00Z');
      const due = await engine.scheduler.tick();
      expect(due.digests).toBe(1);
      expect(due.failed).toBe(0);
      expect(received).toHaveLength(1);
      expect(received[0]?.to).toEqual(['reader@example.com']);
      expect(received[0]?.raw).toContain('Subject: Milepost: 0 overdue, 1 due today, 1 open');
      expect(received[0]?.raw).toContain('Only step (Single step) for Rivet');

      const again = await engine.scheduler.tick();
      expect(again.digests).toBe(0);
      expect(received).toHaveLength(1);
    } finally {
      await database.close();
    }
  });
});

describe('accountDirectory', () => {
  let setup: Setup;
  /** Instance ids by account id. */
  const instances: Record<string, string> = {};

  beforeAll(async () => {
    setup = await setUp('2025-03-03T09:00:00Z');
    const { csmA, csmB } = setup.users;
    await setup.server.engine.accounts.upsert([
      account('a-1', 'Alpha Corp', csmA.id, { segment: 'Enterprise', stage: 'Live' }),
      account('a-2', 'Bravo Ltd', csmA.id),
      account('a-3', 'Charlie Corp', csmA.id, { segment: 'Enterprise' }),
      account('a-4', 'Delta Inc', csmA.id, { stage: 'Live' }),
      account('a-5', 'Echo Corp', csmA.id),
      account('b-1', 'Foxtrot Corp', csmB.id),
      account('b-2', 'Golf Ltd', csmB.id, { segment: 'Enterprise' }),
    ]);
    const started = await setup.deploy(SINGLE, ['a-2', 'b-1']);
    instances['a-2'] = started[0]!;
    instances['b-1'] = started[1]!;
    // Three days later both two-day steps are overdue.
    setup.server.clock.advance(3 * DAY);
  });
  afterAll(() => tearDown(setup));

  it('pages through every account by keyset', async () => {
    const lead = await setup.signedIn('lead');
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await lead.trpc.accountDirectory.search.query({
        limit: 3,
        ...(cursor ? { cursor } : {}),
      });
      expect(page.total).toBe(7);
      seen.push(...page.rows.map((row) => row.name));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([
      'Alpha Corp',
      'Bravo Ltd',
      'Charlie Corp',
      'Delta Inc',
      'Echo Corp',
      'Foxtrot Corp',
      'Golf Ltd',
    ]);
  });

  it('searches without a total', async () => {
    const lead = await setup.signedIn('lead');
    const first = await lead.trpc.accountDirectory.search.query({ search: 'CORP', limit: 2 });
    expect(first.total).toBeNull();
    expect(first.rows.map((row) => row.name)).toEqual(['Alpha Corp', 'Charlie Corp']);
    const second = await lead.trpc.accountDirectory.search.query({
      search: 'CORP',
      limit: 2,
      cursor: first.nextCursor!,
    });
    expect(second.rows.map((row) => row.name)).toEqual(['Echo Corp', 'Foxtrot Corp']);
    expect(second.nextCursor).toBeNull();
  });

  it('filters by owner, segment, stage and overdue', async () => {
    const lead = await setup.signedIn('lead');
    const names = async (input: Parameters<typeof lead.trpc.accountDirectory.search.query>[0]) =>
      (await lead.trpc.accountDirectory.search.query(input)).rows.map((row) => row.id);

    expect(await names({ ownerId: setup.users.csmB.id })).toEqual(['b-1', 'b-2']);
    expect(await names({ segment: 'Enterprise' })).toEqual(['a-1', 'a-3', 'b-2']);
    expect(await names({ stage: 'Live' })).toEqual(['a-1', 'a-4']);
    expect(await names({ overdue: true })).toEqual(['a-2', 'b-1']);
    expect(await names({ segment: 'Enterprise', stage: 'Live' })).toEqual(['a-1']);
  });

  it('shows a CSM only the accounts they own', async () => {
    const csm = await setup.signedIn('csmA');
    const own = await csm.trpc.accountDirectory.search.query({});
    expect(own.total).toBe(5);
    expect(own.rows.every((row) => row.ownerId === setup.users.csmA.id)).toBe(true);
    const asked = await csm.trpc.accountDirectory.search.query({ ownerId: setup.users.csmB.id });
    expect(asked.rows.map((row) => row.id)).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);

    const page = await trpcError(csm.trpc.accountDirectory.page.query({ id: 'b-1' }));
    expect(page.data?.code).toBe('FORBIDDEN');
    const instance = await trpcError(csm.trpc.instances.get.query({ id: instances['b-1']! }));
    expect(instance.data?.code).toBe('FORBIDDEN');
  });

  it('returns the account page with its instances', async () => {
    const csm = await setup.signedIn('csmA');
    const page = await csm.trpc.accountDirectory.page.query({ id: 'a-2' });
    expect(page.account.name).toBe('Bravo Ltd');
    expect(page.owner?.name).toBe('Cal A');
    expect(page.now).toBe(setup.server.clock.now());
    expect(page.instances.map((instance) => instance.id)).toEqual([instances['a-2']]);
    expect(page.instances[0]?.milestones[0]).toMatchObject({ id: 'step', overdue: true });
  });

  it('moves open tasks on reassign', async () => {
    const lead = await setup.signedIn('lead');
    const result = await lead.trpc.accountDirectory.reassign.mutate({
      accountIds: ['a-2'],
      toOwnerId: setup.users.csmB.id,
    });
    expect(result).toEqual({ accounts: 1, tasks: 1 });

    const csmB = await setup.signedIn('csmB');
    const tasks = await csmB.trpc.taskGroups.grouped.query({ accountId: 'a-2' });
    expect(tasks.total).toBe(1);
    const csmA = await setup.signedIn('csmA');
    expect((await csmA.trpc.taskGroups.grouped.query({ accountId: 'a-2' })).total).toBe(0);

    const view = await lead.trpc.instances.get.query({ id: instances['a-2']! });
    const moved = view.transitions.filter((t) => t.detail && 'reassigned' in (t.detail as object));
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({
      milestoneId: 'step',
      userName: 'Lee Lead',
      detail: { reassigned: { from: setup.users.csmA.id, to: setup.users.csmB.id } },
    });
  });

  it('rejects reassigning by a CSM', async () => {
    const csm = await setup.signedIn('csmA');
    const error = await trpcError(
      csm.trpc.accountDirectory.reassign.mutate({ accountIds: ['a-1'], toOwnerId: 'x' }),
    );
    expect(error.data?.code).toBe('FORBIDDEN');
  });
});

describe('instances.watch', () => {
  let setup: Setup;
  let instanceId: string;

  beforeAll(async () => {
    setup = await setUp('2025-03-03T09:00:00Z');
    await setup.server.engine.accounts.upsert([account('w-1', 'Watched', setup.users.csmA.id)]);
    [instanceId = ''] = await setup.deploy(SINGLE, ['w-1']);
  });
  afterAll(() => tearDown(setup));

  /**
   * Reads `{ id, revision }` events of the server-sent event stream that a tRPC subscription
   * over HTTP sends, the way `httpSubscriptionLink` receives them.
   */
  async function* revisions(client: TestClient, signal: AbortSignal) {
    const input = encodeURIComponent(JSON.stringify({ id: instanceId, intervalMs: 100 }));
    const cookie = [...client.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(`${setup.server.url}/trpc/instances.watch?input=${input}`, {
      headers: { cookie, accept: 'text/event-stream' },
      signal,
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).trim())
          .join('\n');
        if (!data) continue;
        const parsed = JSON.parse(data) as { revision?: number };
        if (typeof parsed.revision === 'number') yield parsed.revision;
      }
    }
  }

  it('yields a new revision after a change', async () => {
    const csm = await setup.signedIn('csmA');
    const before = (await csm.trpc.instances.get.query({ id: instanceId })).revision;
    const abort = new AbortController();
    const stream = revisions(csm, abort.signal);
    try {
      expect((await stream.next()).value).toBe(before);

      const other = await setup.signedIn('lead');
      const sent = await other.trpc.instances.send.mutate({
        instanceId,
        event: { type: 'TOGGLE_ITEM', milestoneId: 'step', itemId: 'check', done: true },
        expectedRevision: before,
      });
      expect(sent.revision).toBeGreaterThan(before);
      expect((await stream.next()).value).toBe(sent.revision);
    } finally {
      // Closing the generator cancels the response body; aborting then ends the request.
      await stream.return(undefined);
      abort.abort();
    }
  });

  it('rejects a stale revision with the current one', async () => {
    const csm = await setup.signedIn('csmA');
    const view = await csm.trpc.instances.get.query({ id: instanceId });
    const error = await trpcError(
      csm.trpc.instances.send.mutate({
        instanceId,
        event: { type: 'COMPLETE', milestoneId: 'step' },
        expectedRevision: view.revision - 1,
      }),
    );
    expect(error.data?.code).toBe('CONFLICT');
    expect((error.data as { revision?: number }).revision).toBe(view.revision);
  });

  it('rejects watching an instance of another CSM', async () => {
    const csm = await setup.signedIn('csmB');
    const input = encodeURIComponent(JSON.stringify({ id: instanceId }));
    const cookie = [...csm.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const abort = new AbortController();
    const response = await fetch(`${setup.server.url}/trpc/instances.watch?input=${input}`, {
      headers: { cookie },
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    const { value } = await reader.read();
    abort.abort();
    expect(new TextDecoder().decode(value)).toContain('FORBIDDEN');
  });
});
