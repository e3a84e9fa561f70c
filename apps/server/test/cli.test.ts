import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, runCliJson } from '../../../test/support/cli.ts';
import { startTestServer } from '../../../test/support/server.ts';
import { createTestClient } from '../../../test/support/trpc.ts';

interface PublishedFile {
  key: string;
  version: number;
  created: boolean;
  file: string;
}

interface ApplySummary {
  published: PublishedFile[];
  playbooks: PublishedFile[];
  users: number;
  ignored: string[];
}

interface ImportSummary {
  imported: number;
  created: number;
  updated: number;
  skipped: number;
  reasons: { line: number; reason: string }[];
}

const DEMO_CSV = 'examples/demo-accounts.csv';
const DEMO_MAPPING = 'examples/accounts.mapping.json';
const DEMO_ACCOUNT_COUNT = 40;
/** A line of a printed stack trace, which user errors must not show. */
const STACK_FRAME = /^\s+at /m;

/** Four milestones where a -> b -> c -> a is a cycle and d hangs off it. */
const cyclicDefinition = {
  key: 'loop',
  name: 'Loop',
  targetDays: 5,
  milestones: [
    { id: 'a', name: 'A', targetDays: 1 },
    { id: 'b', name: 'B', targetDays: 1 },
    { id: 'c', name: 'C', targetDays: 1 },
    { id: 'd', name: 'D', targetDays: 1 },
  ],
  dependencies: [
    { from: 'a', to: 'b' },
    { from: 'b', to: 'c' },
    { from: 'c', to: 'a' },
    { from: 'c', to: 'd' },
  ],
};

let scratch: string;
let databaseCount = 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-cli-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** Returns the path of a SQLite file that does not exist yet. */
function freshDatabase(): string {
  databaseCount += 1;
  return join(scratch, `cli-${databaseCount}.db`);
}

async function writeScratchFile(name: string, content: string): Promise<string> {
  const path = join(scratch, name);
  await writeFile(path, content);
  return path;
}

/** Paths, relative to the workspace root, of the JSON files with `milestones` in the folders. */
async function workflowFiles(...folders: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const folder of folders) {
    for (const name of (await readdir(join(REPO_ROOT, folder))).sort()) {
      if (!name.endsWith('.json')) continue;
      const content: unknown = JSON.parse(await readFile(join(REPO_ROOT, folder, name), 'utf8'));
      if (content && typeof content === 'object' && 'milestones' in content) {
        files.push(`${folder}/${name}`);
      }
    }
  }
  return files;
}

/** Returns the demo CSV with one cell replaced, found by account id and column name. */
async function demoCsvWith(accountId: string, column: string, value: string): Promise<string> {
  const [header = '', ...rows] = (await readFile(join(REPO_ROOT, DEMO_CSV), 'utf8')).split('\n');
  const index = header.split(',').indexOf(column);
  expect(index).toBeGreaterThanOrEqual(0);
  let found = false;
  const edited = rows.map((row) => {
    const cells = row.split(',');
    if (cells[0] !== accountId) return row;
    found = true;
    cells[index] = value;
    return cells.join(',');
  });
  expect(found).toBe(true);
  return [header, ...edited].join('\n');
}

/** 1-based file line of an account's row in the demo CSV; the header is line 1. */
async function demoCsvLine(accountId: string): Promise<number> {
  const lines = (await readFile(join(REPO_ROOT, DEMO_CSV), 'utf8')).split('\n');
  return lines.findIndex((line) => line.startsWith(`${accountId},`)) + 1;
}

async function accountIds(databaseUrl: string): Promise<string[]> {
  const database = openDatabase(databaseUrl);
  try {
    const rows = await database.db.selectFrom('accounts').select('id').orderBy('id').execute();
    return rows.map((row) => row.id);
  } finally {
    await database.close();
  }
}

async function applyExamples(db: string): Promise<ApplySummary> {
  return runCliJson<ApplySummary>(['apply', 'examples', '--db', db, '--json']);
}

async function importDemoAccounts(db: string): Promise<ImportSummary> {
  return runCliJson<ImportSummary>([
    'import',
    'accounts',
    DEMO_CSV,
    '--mapping',
    DEMO_MAPPING,
    '--db',
    db,
    '--json',
  ]);
}

describe('workflow validate', () => {
  it('accepts every example workflow', async () => {
    const files = await workflowFiles('examples/workflows', 'examples/ravenstack');
    expect(files.length).toBeGreaterThan(0);

    const results = await Promise.all(files.map((file) => runCli(['workflow', 'validate', file])));
    results.forEach((result, index) => {
      expect(result.stderr, files[index]).toBe('');
      expect(result.code, files[index]).toBe(0);
      expect(result.stdout, files[index]).toContain('valid workflow');
    });
  });

  it('rejects a cycle and names it', async () => {
    const file = await writeScratchFile('cycle.json', JSON.stringify(cyclicDefinition));
    const result = await runCli(['workflow', 'validate', file]);

    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('cycle');
    expect(result.stderr).toContain('a -> b -> c -> a');
  });

  it('prints problems as JSON', async () => {
    const definition = {
      ...cyclicDefinition,
      dependencies: [...cyclicDefinition.dependencies, { from: 'd', to: 'ghost' }],
    };
    const file = await writeScratchFile('problems.json', JSON.stringify(definition));
    const result = await runCli(['workflow', 'validate', file, '--json']);

    expect(result.code).not.toBe(0);
    expect(result.stdout.trim().split('\n')).toHaveLength(1);
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      problems: { code: string; ids: string[] }[];
    };
    expect(report.valid).toBe(false);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'cycle', ids: ['a', 'b', 'c', 'a'] }),
    );
    expect(report.problems).toContainEqual(
      expect.objectContaining({ code: 'missing_dependency', ids: ['d', 'ghost'] }),
    );
    expect(report.problems).toHaveLength(2);
  });
});

describe('apply', () => {
  it('publishes each workflow once', async () => {
    const db = freshDatabase();
    const expected = await workflowFiles('examples', 'examples/workflows', 'examples/ravenstack');

    const first = await applyExamples(db);
    expect(first.published.map((entry) => entry.file).sort()).toEqual(expected.sort());
    for (const entry of first.published) {
      expect(entry, entry.file).toMatchObject({ version: 1, created: true });
    }
    const keys = first.published.map((entry) => entry.key);
    expect(new Set(keys).size).toBe(keys.length);

    const second = await applyExamples(db);
    expect(second.published).toEqual(
      first.published.map((entry) => ({ ...entry, created: false })),
    );
  });

  it('versions only a changed file', async () => {
    const db = freshDatabase();
    const copy = join(scratch, 'examples-copy');
    await cp(join(REPO_ROOT, 'examples'), copy, { recursive: true });
    const first = await runCliJson<ApplySummary>(['apply', copy, '--db', db, '--json']);

    const qbrFile = join(copy, 'workflows', 'qbr.json');
    const qbr = JSON.parse(await readFile(qbrFile, 'utf8')) as { name: string };
    await writeFile(qbrFile, JSON.stringify({ ...qbr, name: `${qbr.name} (revised)` }));
    const second = await runCliJson<ApplySummary>(['apply', copy, '--db', db, '--json']);

    const created = second.published.filter((entry) => entry.created);
    expect(created).toEqual([{ key: 'qbr', version: 2, created: true, file: qbrFile }]);
    expect(second.published).toHaveLength(first.published.length);

    const third = await runCliJson<ApplySummary>(['apply', copy, '--db', db, '--json']);
    expect(third.published.filter((entry) => entry.created)).toEqual([]);
    expect(third.published.find((entry) => entry.key === 'qbr')?.version).toBe(2);
  });

  it('leaves the database untouched on an invalid file', async () => {
    const db = freshDatabase();
    const folder = join(scratch, 'mixed');
    await cp(join(REPO_ROOT, 'examples', 'workflows'), folder, { recursive: true });
    await writeFile(join(folder, 'loop.json'), JSON.stringify(cyclicDefinition));

    const result = await runCli(['apply', folder, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Nothing was applied');
    expect(result.stderr).toContain('a -> b -> c -> a');

    const report = await runCli(['report', 'durations', 'onboarding', '--db', db]);
    expect(report.code).not.toBe(0);
    expect(report.stderr).toContain('No published workflow "onboarding"');
  });

  it('rejects two files with one key', async () => {
    const db = freshDatabase();
    const folder = join(scratch, 'twin-playbooks');
    await cp(join(REPO_ROOT, 'examples', 'playbooks'), folder, { recursive: true });
    await cp(join(folder, 'usage-drop.json'), join(folder, 'usage-drop-copy.json'));

    const result = await runCli(['apply', folder, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Nothing was applied');
    expect(result.stderr).toContain('playbook files with the same key "usage-drop"');

    await rm(join(folder, 'usage-drop-copy.json'));
    const applied = await runCliJson<ApplySummary>(['apply', folder, '--db', db, '--json']);
    expect(applied.playbooks.find((entry) => entry.key === 'usage-drop')).toMatchObject({
      version: 1,
      created: true,
    });
  });
});

describe('import accounts', () => {
  it('imports the demo accounts', async () => {
    const db = freshDatabase();
    await applyExamples(db);

    const first = await importDemoAccounts(db);
    expect(first).toMatchObject({
      imported: DEMO_ACCOUNT_COUNT,
      created: DEMO_ACCOUNT_COUNT,
      updated: 0,
      skipped: 0,
      reasons: [],
    });
    expect(await accountIds(db)).toHaveLength(DEMO_ACCOUNT_COUNT);

    const again = await importDemoAccounts(db);
    expect(again.created).toBe(0);
    expect(again.updated).toBe(DEMO_ACCOUNT_COUNT);
  });

  it('rejects a file with one bad row', async () => {
    const db = freshDatabase();
    await applyExamples(db);
    const line = await demoCsvLine('ACC-1005');
    const csv = await writeScratchFile(
      'bad-row.csv',
      await demoCsvWith('ACC-1005', 'arr_usd', 'lots'),
    );

    const result = await runCli(['import', 'accounts', csv, '--mapping', DEMO_MAPPING, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('nothing was imported');
    expect(result.stderr).toContain(`line ${line}:`);
    expect(result.stderr).toContain('lots');
    expect(await accountIds(db)).toEqual([]);
  });

  it('skips the bad row when asked', async () => {
    const db = freshDatabase();
    await applyExamples(db);
    const line = await demoCsvLine('ACC-1005');
    const csv = await writeScratchFile(
      'skip-row.csv',
      await demoCsvWith('ACC-1005', 'arr_usd', 'lots'),
    );

    const summary = await runCliJson<ImportSummary>([
      'import',
      'accounts',
      csv,
      '--mapping',
      DEMO_MAPPING,
      '--skip-invalid',
      '--db',
      db,
      '--json',
    ]);
    expect(summary.imported).toBe(DEMO_ACCOUNT_COUNT - 1);
    expect(summary.skipped).toBe(1);
    expect(summary.reasons).toHaveLength(1);
    expect(summary.reasons[0]?.line).toBe(line);
    expect(summary.reasons[0]?.reason).toContain('lots');

    const ids = await accountIds(db);
    expect(ids).toHaveLength(DEMO_ACCOUNT_COUNT - 1);
    expect(ids).not.toContain('ACC-1005');
  });

  it('names an unknown owner', async () => {
    const db = freshDatabase();
    await applyExamples(db);
    const line = await demoCsvLine('ACC-1002');
    const csv = await writeScratchFile(
      'unknown-owner.csv',
      await demoCsvWith('ACC-1002', 'owner_email', 'nobody@example.com'),
    );

    const result = await runCli(['import', 'accounts', csv, '--mapping', DEMO_MAPPING, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('nobody@example.com');
    expect(result.stderr).toContain(`line ${line}:`);
    expect(await accountIds(db)).toEqual([]);
  });

  it('rejects a missing column', async () => {
    const db = freshDatabase();
    await applyExamples(db);
    const csv = await writeScratchFile(
      'renamed-column.csv',
      (await readFile(join(REPO_ROOT, DEMO_CSV), 'utf8')).replace('arr_usd', 'arr'),
    );

    const result = await runCli(['import', 'accounts', csv, '--mapping', DEMO_MAPPING, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('"arr_usd"');
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(await accountIds(db)).toEqual([]);
  });

  it('rejects owners before the team exists', async () => {
    const db = freshDatabase();
    const result = await runCli([
      'import',
      'accounts',
      DEMO_CSV,
      '--mapping',
      DEMO_MAPPING,
      '--db',
      db,
      '--json',
    ]);

    expect(result.code).not.toBe(0);
    expect(result.stdout).toBe('');
    const error = JSON.parse(result.stderr) as { error: string; details: ImportSummary };
    expect(error.error).toContain('jonah.park@example.com');
    expect(error.details.imported).toBe(0);
    expect(error.details.skipped).toBe(DEMO_ACCOUNT_COUNT);
  });
});

describe('user add', () => {
  let server: Awaited<ReturnType<typeof startTestServer>> | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('reads passwords from stdin and env', async () => {
    const db = freshDatabase();
    const fromStdin = await runCli(
      ['user', 'add', 'ada@example.com', '--role', 'csm', '--name', 'Ada Stone', '--db', db],
      { input: 'stdin password 1\n' },
    );
    expect(fromStdin.stderr).toBe('');
    expect(fromStdin.code).toBe(0);

    const fromEnv = await runCliJson<{ email: string; role: string; name: string }>(
      ['user', 'add', 'Ben@Example.com', '--role', 'lead', '--db', db, '--json'],
      { env: { MILEPOST_PASSWORD: 'env password 2' } },
    );
    expect(fromEnv).toMatchObject({ email: 'ben@example.com', role: 'lead', name: 'Ben' });

    server = await startTestServer({ databaseUrl: db });
    const ada = createTestClient(server.url);
    await ada.signIn('ada@example.com', 'stdin password 1');
    expect(await ada.trpc.auth.me.query()).toMatchObject({ name: 'Ada Stone', role: 'csm' });

    const ben = createTestClient(server.url);
    await ben.signIn('ben@example.com', 'env password 2');
    expect(await ben.trpc.auth.me.query()).toMatchObject({ role: 'lead' });
  });

  it('rejects a missing or short password', async () => {
    const db = freshDatabase();
    const empty = await runCli(['user', 'add', 'cy@example.com', '--role', 'csm', '--db', db]);
    expect(empty.code).not.toBe(0);
    expect(empty.stderr).toContain('password');

    const short = await runCli(['user', 'add', 'cy@example.com', '--role', 'csm', '--db', db], {
      input: 'short',
    });
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('at least 8');
    expect(short.stderr).not.toMatch(STACK_FRAME);

    const role = await runCli(['user', 'add', 'cy@example.com', '--role', 'owner', '--db', db], {
      input: 'long enough password',
    });
    expect(role.code).not.toBe(0);
    expect(role.stderr).toContain('owner');
  });
});

describe('deploy', () => {
  it('starts onboarding on every account', async () => {
    const db = freshDatabase();
    await applyExamples(db);
    await importDemoAccounts(db);

    const args = ['deploy', 'onboarding', '--all', '--db', db, '--json'];
    const first = await runCliJson<{ started: number; skipped: unknown[]; version: number }>(args);
    expect(first).toMatchObject({ started: DEMO_ACCOUNT_COUNT, skipped: [], version: 1 });

    const second = await runCliJson<{ started: number; skipped: { reason: string }[] }>(args);
    expect(second.started).toBe(0);
    expect(second.skipped).toHaveLength(DEMO_ACCOUNT_COUNT);
    expect(second.skipped[0]?.reason).toContain('already running');
  });

  it('rejects an unknown workflow', async () => {
    const db = freshDatabase();
    const plain = await runCli(['deploy', 'no-such-flow', '--all', '--db', db]);
    expect(plain.code).not.toBe(0);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toContain('No published workflow "no-such-flow"');

    const json = await runCli(['deploy', 'no-such-flow', '--all', '--db', db, '--json']);
    expect(json.code).not.toBe(0);
    expect(json.stdout).toBe('');
    expect(JSON.parse(json.stderr)).toEqual({ error: expect.stringContaining('no-such-flow') });
  });

  it('requires accounts to deploy to', async () => {
    const result = await runCli(['deploy', 'onboarding', '--db', freshDatabase()]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--all');
  });
});

describe('report durations', () => {
  it('lists every milestone', async () => {
    const db = freshDatabase();
    await applyExamples(db);
    await importDemoAccounts(db);
    await runCliJson(['deploy', 'onboarding', '--all', '--db', db, '--json']);

    const report = await runCliJson<{
      workflowKey: string;
      version: number;
      percentileMethod: string;
      milestones: { milestoneId: string; count: number; medianDays: number | null }[];
    }>(['report', 'durations', 'onboarding', '--db', db, '--json']);

    const definition = JSON.parse(
      await readFile(join(REPO_ROOT, 'examples/workflows/onboarding.json'), 'utf8'),
    ) as { milestones: { id: string }[] };
    expect(report.workflowKey).toBe('onboarding');
    expect(report.version).toBe(1);
    expect(report.percentileMethod).toBe('nearest-rank');
    expect(report.milestones.map((m) => m.milestoneId)).toEqual(
      definition.milestones.map((m) => m.id),
    );
    for (const milestone of report.milestones) {
      expect(milestone.count, milestone.milestoneId).toBe(0);
      expect(milestone.medianDays, milestone.milestoneId).toBeNull();
    }
  });

  it('rejects an invalid version', async () => {
    const db = freshDatabase();
    await applyExamples(db);
    const zero = await runCli(['report', 'durations', 'onboarding', '--version', '0', '--db', db]);
    expect(zero.code).not.toBe(0);
    expect(zero.stderr).toContain('Invalid --version "0"');

    const missing = await runCli([
      'report',
      'durations',
      'onboarding',
      '--version',
      '9',
      '--db',
      db,
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain('9');
  });
});
