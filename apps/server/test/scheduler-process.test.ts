import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '@milepost/db';
import { testDialects } from '@milepost/db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCliJson } from '../../../test/support/cli.ts';

const CLI_ENTRY = 'apps/server/src/cli/main.ts';
/** How long a restarted server may take to catch up on missed timers. */
const CATCH_UP_DEADLINE_MS = 60_000;
const DEPLOYED_AT = '2025-03-03T09:00:00Z';

/** Two milestones that start together, both due two days after the instance starts. */
const workflow = {
  key: 'restart-check',
  name: 'Restart check',
  milestones: [
    { id: 'call', name: 'Call the customer', targetDays: 2 },
    {
      id: 'email',
      name: 'Email a summary',
      targetDays: 2,
      due: { kind: 'after_start', days: 2 },
    },
  ],
};

interface OverdueCounts {
  /** Overdue transitions per `instance/milestone`. */
  marks: Map<string, number>;
  /** Due timers not yet done. */
  openTimers: number;
  timers: number;
}

/** Counts overdue marks and timers, reading the database without changing it. */
async function overdueCounts(database: Database): Promise<OverdueCounts> {
  const transitions = await database.db
    .selectFrom('transitions')
    .select(['instance_id', 'milestone_id', 'detail'])
    .where('detail', 'is not', null)
    .execute();
  const marks = new Map<string, number>();
  for (const row of transitions) {
    if ((JSON.parse(row.detail!) as { overdue?: boolean }).overdue !== true) continue;
    const key = `${row.instance_id}/${row.milestone_id}`;
    marks.set(key, (marks.get(key) ?? 0) + 1);
  }
  const timers = await database.db
    .selectFrom('jobs')
    .select(['done_at'])
    .where('kind', '=', 'due')
    .execute();
  return {
    marks,
    openTimers: timers.filter((job) => job.done_at === null).length,
    timers: timers.length,
  };
}

/** Polls `check` until it returns a value, failing with `description` after the deadline. */
async function waitFor<T>(
  description: string | (() => string),
  check: () => Promise<T | undefined> | T | undefined,
  deadlineMs = CATCH_UP_DEADLINE_MS,
): Promise<T> {
  const giveUpAt = performance.now() + deadlineMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > giveUpAt) {
      const text = typeof description === 'string' ? description : description();
      throw new Error(`Timed out after ${deadlineMs} ms waiting for ${text}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Parsed JSON log lines from standard error, as they arrive. */
  logs: Record<string, unknown>[];
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Starts `milepost serve` on a free port with a fast scheduler loop. */
async function startServe(db: string, clock: string): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      CLI_ENTRY,
      'serve',
      '--db',
      db,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--clock',
      clock,
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        MILEPOST_SCHEDULER_INTERVAL_MS: '200',
        MILEPOST_LOG_LEVEL: 'info',
        MILEPOST_DATABASE_URL: '',
        MILEPOST_CLOCK: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  const logs: Record<string, unknown>[] = [];
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    const start = stderr.lastIndexOf('\n') + 1;
    stderr += chunk;
    const complete = stderr.slice(start, stderr.lastIndexOf('\n') + 1);
    for (const line of complete.split('\n')) {
      if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));

  const url = await waitFor('serve to print its URL', () => {
    if (exitCode !== undefined) {
      throw new Error(`milepost serve exited with ${exitCode}:\n${stderr}`);
    }
    return /Milepost is running at (\S+)/.exec(stdout)?.[1];
  });
  return { child, url, logs, stderr: () => stderr, exited };
}

/** Scheduler passes the server logged, with their counts. */
function passes(server: ServeProcess) {
  return server.logs.filter((log) => log.msg === 'scheduler pass') as {
    jobs: Record<string, number>;
    overdue: number;
    failed: number;
  }[];
}

describe('serve scheduler across restarts', () => {
  let scratch: string;
  const running: ServeProcess[] = [];
  let database: Database | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost-scheduler-'));
  });
  afterEach(async () => {
    for (const server of running.splice(0)) {
      if (server.child.exitCode === null && server.child.signalCode === null) {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
    await database?.close();
    database = undefined;
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  async function kill(server: ServeProcess) {
    server.child.kill('SIGKILL');
    await server.exited;
  }

  it('fires missed timers once after a kill', async () => {
    const db = join(scratch, 'restart.db');
    const workflowFile = join(scratch, 'restart-check.json');
    await writeFile(workflowFile, JSON.stringify(workflow));
    const cli = (...args: string[]) => runCliJson([...args, '--db', db, '--json']);
    await cli('apply', 'examples/team.json');
    await cli('apply', workflowFile);
    await cli(
      'import',
      'accounts',
      'examples/demo-accounts.csv',
      '--mapping',
      'examples/accounts.mapping.json',
    );
    const deployed = await cli(
      'deploy',
      'restart-check',
      '--account',
      'ACC-1001',
      'ACC-1002',
      'ACC-1003',
      '--clock',
      DEPLOYED_AT,
    );
    expect(deployed.started).toBe(3);
    const milestoneCount = 6;

    // The first run passes the scheduler while the timers are still two days off.
    const first = await startServe(db, DEPLOYED_AT);
    running.push(first);
    await waitFor('the first scheduler pass', () => (passes(first).length > 0 ? true : undefined));
    database = openDatabase(db);
    const before = await overdueCounts(database);
    expect(before.marks.size).toBe(0);
    expect(before.openTimers).toBe(milestoneCount);
    await kill(first);

    // Five days later the server comes back and finds every timer overdue.
    const second = await startServe(db, '2025-03-08T09:00:00Z');
    running.push(second);
    const caughtUp = await waitFor(
      () => `the overdue marks after the restart; server log:\n${second.stderr().slice(-4000)}`,
      async () => {
        const counts = await overdueCounts(database!);
        return counts.marks.size === milestoneCount && counts.openTimers === 0 ? counts : undefined;
      },
    );
    expect([...caughtUp.marks.values()]).toEqual(Array(milestoneCount).fill(1));
    const milestones = await database.db
      .selectFrom('instance_milestones')
      .select(['due_at', 'overdue_at'])
      .execute();
    expect(milestones).toHaveLength(milestoneCount);
    for (const milestone of milestones) {
      expect(milestone.overdue_at).not.toBeNull();
      expect(milestone.overdue_at!).toBeGreaterThanOrEqual(milestone.due_at!);
    }
    expect(passes(second).every((pass) => pass.failed === 0)).toBe(true);
    await kill(second);

    // A third start on a later day runs the daily rules job, and marks nothing again.
    const third = await startServe(db, '2025-03-10T09:00:00Z');
    running.push(third);
    await waitFor('the third run to pass the scheduler', () =>
      passes(third).some((pass) => pass.jobs.rules === 1) ? true : undefined,
    );
    const after = await overdueCounts(database);
    expect([...after.marks.values()]).toEqual(Array(milestoneCount).fill(1));
    expect(after.timers).toBe(milestoneCount);

    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  });
});

const postgres = testDialects().find((dialect) => dialect.name === 'postgres');
if (!postgres) {
  console.warn(
    'Concurrent tick processes on PostgreSQL skipped: set ' +
      'MILEPOST_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test to run them.',
  );
}
const describePostgres = postgres ? describe : describe.skip;

describePostgres('tick processes on PostgreSQL', () => {
  let scratch: string;
  let database: Database | undefined;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost-tick-'));
  });
  afterAll(async () => {
    await database?.close();
    await rm(scratch, { recursive: true, force: true });
  });

  it('runs each job once', async () => {
    database = await postgres!.create();
    const url = database.url;
    const accountCount = 1_500;
    const lines = ['id,name'];
    for (let i = 0; i < accountCount; i++) lines.push(`T-${i},Tick account ${i}`);
    const csv = join(scratch, 'accounts.csv');
    const mapping = join(scratch, 'accounts.mapping.json');
    const workflowFile = join(scratch, 'restart-check.json');
    await writeFile(csv, lines.join('\n'));
    await writeFile(mapping, JSON.stringify({ id: 'id', name: 'name' }));
    await writeFile(workflowFile, JSON.stringify(workflow));

    const cli = (...args: string[]) => runCliJson([...args, '--db', url, '--json']);
    await cli('apply', workflowFile);
    await cli('import', 'accounts', csv, '--mapping', mapping);
    const deployed = await cli('deploy', 'restart-check', '--all', '--clock', DEPLOYED_AT);
    expect(deployed.started).toBe(accountCount);
    const timerCount = 2 * accountCount;
    expect((await overdueCounts(database)).openTimers).toBe(timerCount);

    const tick = () => cli('tick', '--as-of', '2025-03-08');
    const summaries = (await Promise.all([tick(), tick()])) as unknown as {
      jobs: Record<string, number>;
      overdue: number;
      failed: number;
    }[];

    expect(summaries.map((s) => s.failed)).toEqual([0, 0]);
    const ran = summaries.map((s) => s.jobs.due ?? 0);
    expect(ran[0]! + ran[1]!).toBe(timerCount);
    expect(summaries[0]!.overdue + summaries[1]!.overdue).toBe(timerCount);
    expect((summaries[0]!.jobs.rules ?? 0) + (summaries[1]!.jobs.rules ?? 0)).toBe(1);

    const counts = await overdueCounts(database);
    expect(counts.openTimers).toBe(0);
    expect(counts.marks.size).toBe(timerCount);
    expect([...counts.marks.values()].every((n) => n === 1)).toBe(true);
    const unmarked = await database.db
      .selectFrom('instance_milestones')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('overdue_at', 'is', null)
      .executeTakeFirstOrThrow();
    expect(Number(unmarked.n)).toBe(0);

    // A third pass the same day finds nothing left.
    const again = (await tick()) as unknown as { jobs: Record<string, number>; overdue: number };
    expect(again.jobs.due).toBeUndefined();
    expect(again.overdue).toBe(0);
  });
});
