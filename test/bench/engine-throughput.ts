import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import { parseDefinition, type Account } from '@milepost/model';
import { print, type Figure } from './report.ts';

/**
 * Ten milestones with two parallel branches that join twice: a -> {b, c}; b -> d; c -> e;
 * {d, e} -> f -> {g, h} -> i -> j. Each has one required checklist item.
 */
export function branchingDefinition() {
  const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
  const edges = [
    ['a', 'b'],
    ['a', 'c'],
    ['b', 'd'],
    ['c', 'e'],
    ['d', 'f'],
    ['e', 'f'],
    ['f', 'g'],
    ['f', 'h'],
    ['g', 'i'],
    ['h', 'i'],
    ['i', 'j'],
  ];
  return parseDefinition({
    key: 'bench',
    name: 'Benchmark workflow',
    milestones: ids.map((id) => ({
      id,
      name: `Milestone ${id}`,
      targetDays: 2,
      checklist: [{ id: 'item', title: 'Required item', required: true }],
    })),
    dependencies: edges.map(([from, to]) => ({ from: from!, to: to! })),
  });
}

function scratchFile(name: string) {
  const folder = mkdtempSync(join(tmpdir(), 'milepost-bench-'));
  return {
    path: join(folder, name),
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

/**
 * Raw SQLite: transactions that each update one snapshot row and insert one transition row,
 * through prepared better-sqlite3 statements on a file with the engine's settings.
 */
export async function rawTransactionsPerSecond(transactions: number): Promise<number> {
  const file = scratchFile('raw.db');
  const database = openDatabase(file.path);
  await migrateToLatest(database);
  const sqlite = database.sqlite!;
  const instances = 10_000;
  const snapshot = JSON.stringify({ value: { running: { a: 'active' } }, context: { items: {} } });
  sqlite.exec(`insert into workflows (key, name, created_at, updated_at) values ('raw', 'Raw', 0, 0);
    insert into workflow_versions (workflow_key, version, definition_json, content_hash, published_at)
    values ('raw', 1, '{}', 'x', 0);
    insert into accounts (id, name, created_at, updated_at) values ('acc', 'Account', 0, 0);`);
  const insert =
    sqlite.prepare(`insert into instances (id, workflow_key, version_id, account_id, status,
    snapshot_json, revision, started_at) values (?, 'raw', 1, 'acc', 'running', ?, 1, 0)`);
  sqlite.transaction(() => {
    for (let i = 0; i < instances; i++) insert.run(`i${i}`, snapshot);
  })();

  const update = sqlite.prepare(
    'update instances set snapshot_json = ?, revision = revision + 1 where id = ? and revision = ?',
  );
  const transition = sqlite.prepare(`insert into transitions (instance_id, milestone_id, from_state,
    to_state, at, user_id) values (?, 'a', 'ready', 'active', ?, null)`);
  const revisions = new Array<number>(instances).fill(1);
  const step = sqlite.transaction((index: number) => {
    const id = `i${index}`;
    update.run(snapshot, id, revisions[index]!);
    transition.run(id, index);
    revisions[index]!++;
  });

  const started = performance.now();
  for (let n = 0; n < transactions; n++) step(n % instances);
  const seconds = (performance.now() - started) / 1000;
  await database.close();
  file.remove();
  return transactions / seconds;
}

/** Engine: deploys `instances` instances and drives each to completion, event by event. */
export async function engineEventsPerSecond(instances: number): Promise<number> {
  const file = scratchFile('engine.db');
  const database = openDatabase(file.path);
  await migrateToLatest(database);
  const clock = new ManualClock('2025-01-01T00:00:00Z');
  const engine = new Engine({ database, clock });
  const user = await engine.users.upsert({
    email: 'bench@example.com',
    name: 'Bench',
    role: 'csm',
  });
  const accounts: Account[] = Array.from({ length: instances }, (_, i) => ({
    id: `acc-${i}`,
    name: `Account ${i}`,
    ownerId: user.id,
    segment: null,
    stage: null,
    dates: {},
    fields: {},
  })) as Account[];
  await engine.accounts.upsert(accounts);
  const { version } = await engine.workflows.publish(branchingDefinition(), null);
  const { started } = await engine.instances.deploy(
    version.id,
    accounts.map((a) => a.id),
    { userId: null },
  );
  const compiled = await engine.workflows.compiled(version.id);
  const order = compiled.graph.order;

  let events = 0;
  const begin = performance.now();
  // Work every instance one milestone at a time, so instances interleave as in real use.
  for (const milestoneId of order) {
    clock.advance(3_600_000);
    await Promise.all(
      started.map(async (instanceId) => {
        await engine.instances.apply({
          instanceId,
          event: { type: 'TOGGLE_ITEM', milestoneId, itemId: 'item', done: true },
          userId: user.id,
        });
        await engine.instances.apply({
          instanceId,
          event: { type: 'COMPLETE', milestoneId },
          userId: user.id,
        });
        events += 2;
      }),
    );
  }
  const seconds = (performance.now() - begin) / 1000;
  await database.close();
  file.remove();
  return events / seconds;
}

export async function runEngineBench(instances = 10_000): Promise<Figure[]> {
  const engine = await engineEventsPerSecond(instances);
  const raw = await rawTransactionsPerSecond(100_000);
  return [
    print({ name: 'engine.persisted_events_per_second', value: engine, unit: 'events/s' }),
    print({ name: 'sqlite.raw_transactions_per_second', value: raw, unit: 'transactions/s' }),
    print({ name: 'engine.ratio_to_raw', value: engine / raw, unit: 'ratio' }),
  ];
}
