import { tmpdir } from 'node:os';
import { migrateToLatest, openDatabase, type Database } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import type { AlertTypeInput } from '@milepost/model';
import { sql } from 'kysely';
import { dialectModules } from '../../packages/db/src/dialects/index.ts';
import { print } from './report.ts';

const ACCOUNTS = Number(process.env.MILEPOST_BENCH_ALERT_ACCOUNTS ?? 100_000);
const DAYS = 90;
/** A Monday, so the weekly rule is evaluated. The metrics cover the 90 days before it. */
const EVALUATION_DAY = '2025-01-06';
const TARGET_SECONDS = 5;

const TYPES: AlertTypeInput[] = [
  {
    key: 'usage-drop',
    name: 'Usage dropped week over week',
    rule: {
      kind: 'change',
      metric: 'usage_count',
      window: { calendar: 'week' },
      minBaseline: 20,
      maxRatio: 0.8,
    },
  },
  {
    key: 'low-usage',
    name: 'Low average usage over 30 days',
    rule: {
      kind: 'threshold',
      metric: 'usage_count',
      aggregate: 'avg',
      window: { days: 30 },
      op: 'lt',
      value: 3,
    },
  },
];

/** The number of CSMs, each owning a block of consecutive accounts, so every alert has an owner. */
const OWNERS = 100;

/**
 * Fills `ACCOUNTS` accounts with `DAYS` days of daily usage each, inside the database. One
 * account in a hundred drops to a tenth of its usage in the last week, and one in two hundred
 * (offset by 50) has averaged 2 a day, so both types raise alerts.
 */
async function fill(database: Database): Promise<void> {
  const last = ACCOUNTS - 1;
  const accountRows =
    database.dialect === 'postgres'
      ? sql`select i from generate_series(0, ${sql.lit(last)}) as i`
      : sql`select i from (with recursive n(i) as (select 0 union all select i + 1 from n where i < ${sql.lit(last)}) select i from n)`;
  const dayRows =
    database.dialect === 'postgres'
      ? sql`select d from generate_series(1, ${sql.lit(DAYS)}) as d`
      : sql`select d from (with recursive n(d) as (select 1 union all select d + 1 from n where d < ${sql.lit(DAYS)}) select d from n)`;
  const accountId =
    database.dialect === 'postgres'
      ? sql`'ACC-' || lpad(a.i::text, 6, '0')`
      : sql`printf('ACC-%06d', a.i)`;
  const day =
    database.dialect === 'postgres'
      ? sql`to_char(date ${sql.lit(EVALUATION_DAY)} - d.d, 'YYYY-MM-DD')`
      : sql`date(${sql.lit(EVALUATION_DAY)}, '-' || d.d || ' days')`;
  const ownerId = sql`'csm-' || (a.i * ${sql.lit(OWNERS)} / ${sql.lit(ACCOUNTS)})`;

  await database.db
    .insertInto('users')
    .values(
      Array.from({ length: OWNERS }, (_, index) => ({
        id: `csm-${index}`,
        email: `csm-${index}@example.com`,
        name: `CSM ${index}`,
        role: 'csm' as const,
        password_hash: null,
        created_at: 0,
      })),
    )
    .execute();
  await sql`
    insert into accounts (id, name, owner_id, segment, stage, dates_json, fields_json, created_at, updated_at)
    select ${accountId}, 'Account ' || a.i, ${ownerId}, 'SMB', 'Active', '{}', '{}', 0, 0
    from (${accountRows}) a`.execute(database.db);
  await sql`
    insert into metrics (metric, account_id, day, value)
    select 'usage_count', ${accountId}, ${day},
      case
        when a.i % 100 = 0 and d.d <= 7 then 1
        when a.i % 200 = 50 then 2
        else 10 + (a.i + d.d) % 5
      end
    from (${accountRows}) a cross join (${dayRows}) d
    order by 2, 3`.execute(database.db);
  await sql`analyze`.execute(database.db);
}

async function benchDialect(name: 'sqlite' | 'postgres', location: string): Promise<void> {
  const scratch = await dialectModules[name].createScratchDatabase(location);
  const database = openDatabase(scratch.url);
  try {
    await migrateToLatest(database);
    const fillStart = performance.now();
    await fill(database);
    print({
      name: `alerts.fill.${name}`,
      value: (performance.now() - fillStart) / 1000,
      unit: `s for ${ACCOUNTS} accounts x ${DAYS} days`,
    });

    const clock = new ManualClock(`${EVALUATION_DAY}T01:00:00Z`);
    const engine = new Engine({ database, clock });
    for (const type of TYPES) await engine.alertTypes.save(type, null);
    for (const type of TYPES) {
      const start = performance.now();
      const [result] = await engine.alertTypes.evaluate(EVALUATION_DAY, { key: type.key });
      print({
        name: `alerts.evaluate.${type.key}.${name}`,
        value: (performance.now() - start) / 1000,
        unit: `s for one day over ${ACCOUNTS} accounts, ${result?.raised ?? 0} alerts raised (target under ${TARGET_SECONDS} s)`,
      });
    }
  } finally {
    await database.close();
    await scratch.drop();
  }
}

/**
 * Times one day's evaluation of a weekly change rule and a 30-day average threshold over every
 * account, on SQLite and, when MILEPOST_TEST_PG_URL is set, on PostgreSQL.
 */
export async function runAlertsBench(): Promise<void> {
  await benchDialect('sqlite', tmpdir());
  const postgresUrl = process.env.MILEPOST_TEST_PG_URL?.trim();
  if (postgresUrl) await benchDialect('postgres', postgresUrl);
  else process.stdout.write('alerts bench on PostgreSQL skipped: set MILEPOST_TEST_PG_URL.\n');
}
