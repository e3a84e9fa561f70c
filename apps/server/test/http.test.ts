import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appRouter } from '@milepost/api';
import { SESSION_TTL_MS } from '@milepost/engine';
import { Account, parseDefinition, type User } from '@milepost/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../test/support/cli.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { createTestClient, trpcError, type TestClient } from '../../../test/support/trpc.ts';

const PASSWORD = 'correct horse 42';

/** Procedures that need no session. */
const PUBLIC_PROCEDURES = new Set(['auth.login', 'auth.logout']);

let scratch: string;
let server: TestServer;
let users: Record<'admin' | 'lead' | 'csmA' | 'csmB', User>;
/** Onboarding instances of account A (owned by csmA) and account B (owned by csmB). */
let instanceA: string;
let instanceB: string;
let onboarding: unknown;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-http-'));
  server = await startTestServer({ databaseUrl: join(scratch, 'http.db') });
  const { engine } = server;

  const addUser = (email: string, name: string, role: User['role']) =>
    engine.users.upsert({ email, name, role, password: PASSWORD });
  users = {
    admin: await addUser('admin@example.com', 'Ada Admin', 'admin'),
    lead: await addUser('lead@example.com', 'Lee Lead', 'lead'),
    csmA: await addUser('csm.a@example.com', 'Cal A', 'csm'),
    csmB: await addUser('csm.b@example.com', 'Cam B', 'csm'),
  };

  const account = (id: string, ownerId: string) =>
    Account.parse({
      id,
      name: `Account ${id}`,
      ownerId,
      segment: 'SMB',
      stage: 'Onboarding',
      dates: {},
      fields: {},
    });
  await engine.accounts.upsert([account('acc-a', users.csmA.id), account('acc-b', users.csmB.id)]);

  onboarding = JSON.parse(
    await readFile(join(REPO_ROOT, 'examples/workflows/onboarding.json'), 'utf8'),
  );
  const { version } = await engine.workflows.publish(parseDefinition(onboarding), users.admin.id);
  const { started } = await engine.instances.deploy(version.id, ['acc-a', 'acc-b'], {
    userId: users.lead.id,
  });
  [instanceA = '', instanceB = ''] = started;
});

afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

async function signedIn(person: keyof typeof users): Promise<TestClient> {
  const client = createTestClient(server.url);
  await client.signIn(users[person].email, PASSWORD);
  return client;
}

function postJson(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
}

describe('health check', () => {
  it('returns ok with the server clock', async () => {
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ok',
      time: new Date(server.clock.now()).toISOString(),
    });
  });
});

describe('sessions', () => {
  it('login sets an HttpOnly SameSite cookie', async () => {
    const response = await postJson('/trpc/auth.login', {
      email: users.csmA.email,
      password: PASSWORD,
    });
    expect(response.status).toBe(200);

    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const [pair = '', ...attributes] = cookies[0]!.split(';').map((part) => part.trim());
    expect(pair).toMatch(/^milepost_session=[\w-]{20,}$/);
    expect(attributes).toContain('HttpOnly');
    expect(attributes).toContain('SameSite=Lax');
    expect(attributes).toContain('Path=/');
    expect(attributes).toContain(`Max-Age=${SESSION_TTL_MS / 1000}`);
  });

  it('rejects every procedure without a session', async () => {
    const procedures = Object.entries(appRouter._def.procedures).filter(
      ([path]) => !PUBLIC_PROCEDURES.has(path),
    );
    expect(procedures.length).toBeGreaterThan(10);

    const statuses: Record<string, number> = {};
    for (const [path, procedure] of procedures) {
      const type = (procedure as unknown as { _def: { type: string } })._def.type;
      if (type === 'subscription') {
        statuses[path] = await subscriptionStatus(path);
        continue;
      }
      const response =
        type === 'query'
          ? await fetch(`${server.url}/trpc/${path}?input=${encodeURIComponent('{}')}`)
          : await postJson(`/trpc/${path}`, {});
      statuses[path] = response.status;
    }
    const unauthorized = Object.fromEntries(procedures.map(([path]) => [path, 401]));
    expect(statuses).toEqual(unauthorized);
  });

  /**
   * A subscription answers over server-sent events, so its refusal arrives as an error event in
   * the stream; that reads as 401 here when the event names UNAUTHORIZED.
   */
  async function subscriptionStatus(path: string): Promise<number> {
    const controller = new AbortController();
    const response = await fetch(
      `${server.url}/trpc/${path}?input=${encodeURIComponent('{"id":"x"}')}`,
      {
        signal: controller.signal,
      },
    );
    const reader = response.body!.getReader();
    let text = '';
    for (let chunks = 0; chunks < 10 && !text.includes('UNAUTHORIZED'); chunks++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    return text.includes('UNAUTHORIZED') ? 401 : response.status;
  }

  it('rejects an unknown session cookie', async () => {
    const response = await fetch(`${server.url}/trpc/auth.me`, {
      headers: { cookie: 'milepost_session=not-a-real-token' },
    });
    expect(response.status).toBe(401);
  });

  it('rejects a wrong password', async () => {
    const client = createTestClient(server.url);
    const wrong = await trpcError(client.signIn(users.csmA.email, 'wrong password'));
    expect(wrong.data?.code).toBe('UNAUTHORIZED');

    const unknown = await trpcError(client.signIn('nobody@example.com', PASSWORD));
    expect(unknown.data?.code).toBe('UNAUTHORIZED');
    expect(unknown.message).toBe(wrong.message);
    expect(client.cookies.size).toBe(0);
  });

  it('logout ends the session', async () => {
    const client = await signedIn('csmA');
    expect((await client.trpc.auth.me.query()).email).toBe(users.csmA.email);
    const token = client.cookies.get('milepost_session');
    expect(token).toBeDefined();

    await client.trpc.auth.logout.mutate();
    expect(client.cookies.size).toBe(0);
    expect((await trpcError(client.trpc.auth.me.query())).data?.code).toBe('UNAUTHORIZED');

    const replay = createTestClient(server.url);
    replay.cookies.set('milepost_session', token!);
    expect((await trpcError(replay.trpc.auth.me.query())).data?.code).toBe('UNAUTHORIZED');
  });

  it('expires after the session lifetime', async () => {
    const client = await signedIn('lead');
    server.clock.advance(SESSION_TTL_MS - 1);
    expect((await client.trpc.auth.me.query()).role).toBe('lead');

    server.clock.advance(1);
    expect((await trpcError(client.trpc.auth.me.query())).data?.code).toBe('UNAUTHORIZED');
  });
});

describe('instance access', () => {
  it('CSM cannot read another account', async () => {
    const csm = await signedIn('csmA');
    const own = await csm.trpc.instances.get.query({ id: instanceA });
    expect(own.accountId).toBe('acc-a');

    const other = await trpcError(csm.trpc.instances.get.query({ id: instanceB }));
    expect(other.data?.code).toBe('FORBIDDEN');
    expect(other.data?.httpStatus).toBe(403);
  });

  it('CSM cannot change another account', async () => {
    const csm = await signedIn('csmA');
    const before = await server.engine.queries.instance(instanceB);

    const error = await trpcError(
      csm.trpc.instances.send.mutate({
        instanceId: instanceB,
        event: { type: 'START', milestoneId: 'pre_kickoff' },
      }),
    );
    expect(error.data?.code).toBe('FORBIDDEN');
    expect((await server.engine.queries.instance(instanceB)).revision).toBe(before.revision);
  });

  it('CSM cannot pause an instance', async () => {
    const csm = await signedIn('csmA');
    const error = await trpcError(
      csm.trpc.instances.send.mutate({ instanceId: instanceA, event: { type: 'PAUSE' } }),
    );
    expect(error.data?.code).toBe('FORBIDDEN');
    expect((await server.engine.queries.instance(instanceA)).status).toBe('running');
  });

  it('CSM lists only own tasks', async () => {
    const csm = await signedIn('csmA');
    const own = await csm.trpc.tasks.list.query();
    expect(own.map((task) => [task.instanceId, task.milestoneId])).toEqual([
      [instanceA, 'pre_kickoff'],
    ]);

    const byId = await trpcError(csm.trpc.tasks.list.query({ assigneeId: users.csmB.id }));
    expect(byId.data?.code).toBe('FORBIDDEN');
    const everyone = await trpcError(csm.trpc.tasks.list.query({ everyone: true }));
    expect(everyone.data?.code).toBe('FORBIDDEN');
  });

  it('lead reads, works and pauses any instance', async () => {
    const lead = await signedIn('lead');
    const view = await lead.trpc.instances.get.query({ id: instanceB });
    expect(view.ownerId).toBe(users.csmB.id);

    const tasks = await lead.trpc.tasks.list.query({ assigneeId: users.csmB.id });
    expect(tasks.map((task) => task.instanceId)).toEqual([instanceB]);

    const send = (event: Parameters<typeof lead.trpc.instances.send.mutate>[0]['event']) =>
      lead.trpc.instances.send.mutate({ instanceId: instanceB, event });
    expect((await send({ type: 'START', milestoneId: 'pre_kickoff' })).states.pre_kickoff).toBe(
      'active',
    );
    expect((await send({ type: 'PAUSE' })).status).toBe('paused');
    expect((await send({ type: 'RESUME' })).status).toBe('running');
  });
});

describe('revisions', () => {
  it('stale revision gets CONFLICT', async () => {
    const csm = await signedIn('csmA');
    const { revision } = await csm.trpc.instances.get.query({ id: instanceA });
    const tick = (expectedRevision: number) =>
      csm.trpc.instances.send.mutate({
        instanceId: instanceA,
        event: {
          type: 'TOGGLE_ITEM',
          milestoneId: 'pre_kickoff',
          itemId: 'read_handoff',
          done: true,
        },
        expectedRevision,
      });

    const applied = await tick(revision);
    expect(applied.revision).toBe(revision + 1);

    const error = await trpcError(tick(revision));
    expect(error.data?.code).toBe('CONFLICT');
    expect(error.data?.httpStatus).toBe(409);
    expect(error.data?.revision).toBe(revision + 1);
    expect((await csm.trpc.instances.get.query({ id: instanceA })).revision).toBe(revision + 1);
  });
});

describe('publishing', () => {
  it('only admins publish', async () => {
    const definition = { ...(onboarding as object), name: 'Customer onboarding, revised' };
    for (const person of ['lead', 'csmA'] as const) {
      const client = await signedIn(person);
      const error = await trpcError(client.trpc.workflows.publish.mutate({ definition }));
      expect(error.data?.code, person).toBe('FORBIDDEN');
    }

    const admin = await signedIn('admin');
    const published = await admin.trpc.workflows.publish.mutate({ definition });
    expect(published).toEqual({ key: 'onboarding', version: 2, created: true });
  });

  it('invalid definition gets BAD_REQUEST', async () => {
    const admin = await signedIn('admin');
    const definition = {
      key: 'loop',
      name: 'Loop',
      targetDays: 3,
      milestones: [
        { id: 'a', name: 'A', targetDays: 1 },
        { id: 'b', name: 'B', targetDays: 1 },
      ],
      dependencies: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'a' },
      ],
    };

    const error = await trpcError(admin.trpc.workflows.publish.mutate({ definition }));
    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.data?.problems).toEqual([
      expect.objectContaining({ code: 'cycle', ids: ['a', 'b', 'a'] }),
    ]);
    const list = await admin.trpc.workflows.list.query();
    expect(JSON.stringify(list)).not.toContain('"loop"');
  });
});
