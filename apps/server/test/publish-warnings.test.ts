import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import type { User } from '@milepost/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../../../test/support/cli.ts';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';
import { createTestClient, trpcError, type TestClient } from '../../../test/support/trpc.ts';

const PASSWORD = 'correct horse 42';
/** A stack frame line, which a user error must not print. */
const STACK_FRAME = /^\s+at /m;

/** Prepare (3 days) then deliver (4 days): a 7-day critical path against a 5-day target. */
function slowDefinition(key: string) {
  return {
    key,
    name: 'Slow handover',
    targetDays: 5,
    milestones: [
      { id: 'prepare', name: 'Prepare', targetDays: 3 },
      { id: 'deliver', name: 'Deliver', targetDays: 4 },
    ],
    dependencies: [{ from: 'prepare', to: 'deliver' }],
  };
}

/** Three milestones where a -> b -> c -> a is a cycle. */
const cyclicDefinition = {
  name: 'Loop',
  targetDays: 10,
  milestones: [
    { id: 'a', name: 'A', targetDays: 1 },
    { id: 'b', name: 'B', targetDays: 1 },
    { id: 'c', name: 'C', targetDays: 1 },
  ],
  dependencies: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
    { from: 'c', to: 'a' },
  ],
};

type DraftInput = Parameters<TestClient['trpc']['drafts']['save']['mutate']>[0]['definition'];

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-publish-warnings-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Counts the rows of a table in a SQLite file. */
async function countRows(
  databaseUrl: string,
  table: 'workflows' | 'workflow_versions' | 'users',
): Promise<number> {
  const database = openDatabase(databaseUrl);
  try {
    const row = await database.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  } finally {
    await database.close();
  }
}

describe('CLI publish warnings', () => {
  let slowFile: string;
  let slowFolder: string;

  beforeAll(async () => {
    slowFile = join(scratch, 'slow.json');
    await writeFile(slowFile, JSON.stringify(slowDefinition('slow')));

    // A folder with the slow workflow and a team, so apply has two kinds of file to write.
    slowFolder = join(scratch, 'slow-folder');
    await mkdir(slowFolder);
    await writeFile(join(slowFolder, 'slow.json'), JSON.stringify(slowDefinition('slow')));
    await writeFile(
      join(slowFolder, 'team.json'),
      JSON.stringify({ users: [{ email: 'pat@example.com', name: 'Pat Lead', role: 'lead' }] }),
    );
  });

  it('publish rejects over target', async () => {
    const db = join(scratch, 'publish.db');

    const refused = await runCli(['workflow', 'publish', slowFile, '--db', db]);

    expect(refused.code).not.toBe(0);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('[over_target]');
    expect(refused.stderr).toContain('prepare -> deliver');
    expect(refused.stderr).toContain('--accept-warnings');
    expect(refused.stderr).toContain('nothing was published');
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect(await countRows(db, 'workflows')).toBe(0);
    expect(await countRows(db, 'workflow_versions')).toBe(0);
  });

  it('publish lists warnings as JSON', async () => {
    const db = join(scratch, 'publish-json.db');

    const refused = await runCli(['workflow', 'publish', slowFile, '--db', db, '--json']);

    expect(refused.code).not.toBe(0);
    const error = JSON.parse(refused.stderr) as { details: { warnings: { code: string }[] } };
    expect(error.details.warnings.map((w) => w.code)).toEqual(['over_target']);
    expect(await countRows(db, 'workflow_versions')).toBe(0);
  });

  it('publish accepts warnings', async () => {
    const db = join(scratch, 'publish-accepted.db');
    await runCli(['workflow', 'publish', slowFile, '--db', db]);

    const published = await runCliJson([
      'workflow',
      'publish',
      slowFile,
      '--accept-warnings',
      '--db',
      db,
      '--json',
    ]);

    expect(published).toEqual({ key: 'slow', version: 1, created: true });
    expect(await countRows(db, 'workflow_versions')).toBe(1);
  });

  it('publish needs no flag when clean', async () => {
    const db = join(scratch, 'publish-clean.db');

    const published = await runCliJson([
      'workflow',
      'publish',
      'examples/workflows/qbr.json',
      '--db',
      db,
      '--json',
    ]);

    expect(published).toEqual({ key: 'qbr', version: 1, created: true });
  });

  it('apply rejects over target', async () => {
    const db = join(scratch, 'apply.db');

    const refused = await runCli(['apply', slowFolder, '--db', db]);

    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('[over_target]');
    expect(refused.stderr).toContain('--accept-warnings');
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect(await countRows(db, 'workflow_versions')).toBe(0);
    // The warnings are checked before anything is written, so the team is not applied either.
    expect(await countRows(db, 'users')).toBe(0);
  });

  it('apply accepts warnings', async () => {
    const db = join(scratch, 'apply-accepted.db');

    const applied = await runCliJson<{
      published: { key: string; version: number; created: boolean }[];
      users: number;
    }>(['apply', slowFolder, '--accept-warnings', '--db', db, '--json']);

    expect(
      applied.published.map(({ key, version, created }) => ({ key, version, created })),
    ).toEqual([{ key: 'slow', version: 1, created: true }]);
    expect(applied.users).toBe(1);
    expect(await countRows(db, 'workflow_versions')).toBe(1);
  });
});

describe('drafts API warnings', () => {
  let server: TestServer;
  let users: Record<'admin' | 'lead', User>;

  beforeAll(async () => {
    server = await startTestServer({ databaseUrl: join(scratch, 'api.db') });
    const addUser = (email: string, name: string, role: User['role']) =>
      server.engine.users.upsert({ email, name, role, password: PASSWORD });
    users = {
      admin: await addUser('admin@example.com', 'Ada Admin', 'admin'),
      lead: await addUser('lead@example.com', 'Lee Lead', 'lead'),
    };
  });
  afterAll(() => server?.close());

  async function signedIn(person: keyof typeof users): Promise<TestClient> {
    const client = createTestClient(server.url);
    await client.signIn(users[person].email, PASSWORD);
    return client;
  }

  /** Creates a draft and saves `definition` into it, returning the saved revision. */
  async function saveDraft(
    client: TestClient,
    key: string,
    definition: DraftInput,
  ): Promise<number> {
    const draft = await client.trpc.drafts.create.mutate({ key, name: definition.name });
    const saved = await client.trpc.drafts.save.mutate({
      key,
      definition,
      baseRevision: draft.revision,
    });
    return saved.revision;
  }

  it('rejects a draft over target', async () => {
    const admin = await signedIn('admin');
    await saveDraft(admin, 'slow-draft', slowDefinition('slow-draft'));

    const error = await trpcError(admin.trpc.drafts.publish.mutate({ key: 'slow-draft' }));

    expect(error.data?.code).toBe('PRECONDITION_FAILED');
    expect(error.data?.warnings?.map((w) => w.code)).toEqual(['over_target']);
    expect(error.data?.warnings?.[0]?.ids).toEqual(['prepare', 'deliver']);
    expect(error.message).toContain('slow-draft');
    expect(await admin.trpc.drafts.versions.query({ key: 'slow-draft' })).toEqual([]);
    const listed = await admin.trpc.workflows.list.query();
    expect(listed.find((w) => w.key === 'slow-draft')?.latestVersion).toBeNull();
  });

  it('publishes with acceptWarnings', async () => {
    const admin = await signedIn('admin');
    const revision = await saveDraft(admin, 'slow-accepted', slowDefinition('slow-accepted'));

    const published = await admin.trpc.drafts.publish.mutate({
      key: 'slow-accepted',
      expectedRevision: revision,
      acceptWarnings: true,
    });

    expect(published).toEqual({ key: 'slow-accepted', version: 1, created: true });
    const versions = await admin.trpc.drafts.versions.query({ key: 'slow-accepted' });
    expect(versions.map((v) => v.version)).toEqual([1]);
  });

  it('rejects a cyclic draft', async () => {
    const admin = await signedIn('admin');
    await saveDraft(admin, 'loop', cyclicDefinition);

    for (const acceptWarnings of [false, true]) {
      const error = await trpcError(
        admin.trpc.drafts.publish.mutate({ key: 'loop', acceptWarnings }),
      );

      expect(error.data?.code, `acceptWarnings ${acceptWarnings}`).toBe('BAD_REQUEST');
      expect(error.data?.problems?.map((p) => p.code)).toContain('cycle');
    }
    expect(await admin.trpc.drafts.versions.query({ key: 'loop' })).toEqual([]);
  });

  it('rejects publishing by a lead', async () => {
    const lead = await signedIn('lead');
    await saveDraft(lead, 'lead-draft', slowDefinition('lead-draft'));

    const error = await trpcError(
      lead.trpc.drafts.publish.mutate({ key: 'lead-draft', acceptWarnings: true }),
    );

    expect(error.data?.code).toBe('FORBIDDEN');
  });

  it('simulates a draft', async () => {
    const admin = await signedIn('admin');
    await saveDraft(admin, 'slow-simulated', slowDefinition('slow-simulated'));

    const result = await admin.trpc.drafts.simulate.query({
      key: 'slow-simulated',
      asOf: '2025-03-03',
    });

    expect(result.asOf).toBe('2025-03-03');
    expect(result.startDate).toBe('2025-03-03');
    expect(result.endDate).toBe('2025-03-10');
    expect(result.timeline.map((m) => [m.id, m.readyDate, m.doneDate, m.critical])).toEqual([
      ['prepare', '2025-03-03', '2025-03-06', true],
      ['deliver', '2025-03-06', '2025-03-10', true],
    ]);
    expect(result.projection.criticalPath).toEqual(['prepare', 'deliver']);
    expect(result.warnings.map((w) => w.code)).toEqual(['over_target']);
    expect(await admin.trpc.drafts.versions.query({ key: 'slow-simulated' })).toEqual([]);
  });

  it('simulates as of the server date', async () => {
    const admin = await signedIn('admin');
    await saveDraft(admin, 'slow-today', slowDefinition('slow-today'));

    const result = await admin.trpc.drafts.simulate.query({ key: 'slow-today' });

    // The test server's clock starts on 6 January 2025.
    expect(result.asOf).toBe('2025-01-06');
    expect(result.startDate).toBe('2025-01-06');
  });

  it('rejects simulating a cycle', async () => {
    const admin = await signedIn('admin');
    await saveDraft(admin, 'loop-simulated', cyclicDefinition);

    const error = await trpcError(admin.trpc.drafts.simulate.query({ key: 'loop-simulated' }));

    expect(error.data?.code).toBe('BAD_REQUEST');
    expect(error.data?.problems?.map((p) => p.code)).toContain('cycle');
  });
});
