import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase, type Database } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import { parseDefinition } from '@milepost/model';
import { createLogger } from '../../apps/server/src/logger.ts';
import { startServer } from '../../apps/server/src/serve.ts';
import { percentile, print, type Figure } from './report.ts';

const SEGMENTS = ['Enterprise', 'Mid-Market', 'SMB'];
const STAGES = ['Onboarding', 'Adoption', 'Expansion', 'At Risk'];
const WORDS = [
  'Amber',
  'Birch',
  'Cobalt',
  'Delta',
  'Ember',
  'Fjord',
  'Garnet',
  'Harbor',
  'Iris',
  'Juniper',
];

/** Fills a fresh SQLite file with `count` accounts over 20 CSMs, in one transaction per 5,000. */
export async function seedAccounts(
  count: number,
): Promise<{ database: Database; engine: Engine; clock: ManualClock; remove: () => void }> {
  const folder = mkdtempSync(join(tmpdir(), 'milepost-scale-'));
  const database = openDatabase(join(folder, 'scale.db'));
  await migrateToLatest(database);
  const clock = new ManualClock('2025-01-06T00:00:00Z');
  const engine = new Engine({ database, clock });
  const owners: { id: string }[] = [];
  for (let i = 0; i < 20; i++) {
    owners.push(
      await engine.users.upsert({ email: `csm${i}@example.com`, name: `CSM ${i}`, role: 'csm' }),
    );
  }
  const sqlite = database.sqlite!;
  const insert =
    sqlite.prepare(`insert into accounts (id, name, owner_id, segment, stage, dates_json,
    fields_json, created_at, updated_at) values (?, ?, ?, ?, ?, ?, '{}', 0, 0)`);
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const name = `${WORDS[i % 10]} ${WORDS[Math.floor(i / 10) % 10]} ${i}`;
      const start = new Date(Date.UTC(2022, 0, 1) + (i % 365) * 86_400_000)
        .toISOString()
        .slice(0, 10);
      insert.run(
        `ACC-${i}`,
        name,
        owners[i % 20]!.id,
        SEGMENTS[i % 3],
        STAGES[i % 4],
        JSON.stringify({ contract_start: start }),
      );
    }
  })();
  return {
    database,
    engine,
    clock,
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

/** Time for one rule to start the renewal workflow on 100,000 matching accounts. */
export async function runRuleStartBench(count = 100_000): Promise<Figure[]> {
  const { database, engine, clock, remove } = await seedAccounts(count);
  const definition = parseDefinition({
    key: 'renewal',
    name: 'Renewal',
    milestones: ['review', 'call', 'proposal', 'close'].map((id, i) => ({
      id,
      name: id,
      targetDays: 7,
      due: { kind: 'anchor', days: -60 + i * 20 },
      checklist: [{ id: 'done', title: 'Done' }],
    })),
    dependencies: [
      { from: 'review', to: 'call' },
      { from: 'call', to: 'proposal' },
      { from: 'proposal', to: 'close' },
    ],
  });
  await engine.workflows.publish(definition, null);
  // Every account's contract started on one of 365 days of 2022, so one year later each has an
  // anniversary in 2023; a rule with a 365-day window therefore matches all of them at once.
  await engine.rules.save('renewal', [
    {
      id: 'anniversary',
      name: '',
      enabled: true,
      trigger: { kind: 'date', anchor: 'contract_start', every: { months: 12 }, offsetDays: 0 },
    },
  ]);
  await engine.rules.rewindTo('2023-01-01');
  clock.set('2024-01-01T00:00:00Z');
  const started = performance.now();
  const summary = await engine.rules.evaluate();
  const seconds = (performance.now() - started) / 1000;
  await database.close();
  remove();
  return [
    print({ name: 'rules.start_accounts', value: summary.started.renewal ?? 0, unit: 'instances' }),
    print({ name: 'rules.start_100k_seconds', value: seconds, unit: 's' }),
  ];
}

/**
 * Latency of account searches over 100,000 accounts at the API: tRPC over HTTP to the real
 * server, signed in as a lead, so the figure includes routing, authorisation and JSON.
 */
export async function runAccountSearchBench(count = 100_000): Promise<Figure[]> {
  const { database, engine, remove } = await seedAccounts(count);
  await engine.users.upsert({
    email: 'lead@example.com',
    name: 'Lead',
    role: 'lead',
    password: 'bench-password',
  });
  const server = await startServer(engine, createLogger('silent'), { port: 0 });
  const base = server.url.replace('localhost', '127.0.0.1');
  const login = await fetch(`${base}/trpc/auth.login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'lead@example.com', password: 'bench-password' }),
  });
  const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0]!;

  const searches = ['amber', 'birch 12', 'juniper', 'ACC-9999', 'zzz-nothing', 'delta ember'];
  const samples: number[] = [];
  const call = async (input: object) => {
    const url = `${base}/trpc/accountDirectory.search?input=${encodeURIComponent(JSON.stringify(input))}`;
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie } });
    if (!response.ok) throw new Error(`Account search failed with HTTP ${response.status}.`);
    await response.json();
    samples.push(performance.now() - started);
  };
  for (let round = 0; round < 10; round++) {
    for (const search of searches) {
      await call({ search, limit: 50 });
      await call({ search, segment: 'SMB', stage: 'Adoption', limit: 50 });
    }
  }
  await server.close();
  await database.close();
  remove();
  return [
    print({ name: 'accounts.search_100k_api_p50_ms', value: percentile(samples, 50), unit: 'ms' }),
    print({ name: 'accounts.search_100k_api_p95_ms', value: percentile(samples, 95), unit: 'ms' }),
  ];
}
