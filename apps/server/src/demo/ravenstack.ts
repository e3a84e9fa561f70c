import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  normalizeEmail,
  replay,
  type Engine,
  type ManualClock,
  type ReplaySummary,
} from '@milepost/engine';
import {
  addDays,
  dateToMs,
  DAY_MS,
  msToDate,
  parseAccountMapping,
  parseTeamFile,
  type Condition,
  type IsoDate,
  type Role,
} from '@milepost/model';
import { readJsonFile, readTextFile } from '../cli/files.ts';
import { CliError } from '../cli/runtime.ts';
import { importAccountFields, parseAccountFieldsMapping } from '../cli/commands/account-fields.ts';
import { importAccounts } from '../cli/commands/accounts.ts';
import { importMetrics, parseMetricsMapping, readLookup } from '../cli/commands/metrics.ts';
import { loadTeam } from '../cli/commands/scheduler.ts';
import { applyPath } from '../cli/commands/workflows.ts';
import { DEMO_PASSWORD } from './seed.ts';

/** The days the demo replays: the two years the RavenStack tables cover. */
export const RAVENSTACK_FROM: IsoDate = '2023-01-01';
export const RAVENSTACK_TO: IsoDate = '2024-12-31';

/** The example folder: team, workflows with rules, playbooks, alert types and CSV mappings. */
export const RAVENSTACK_EXAMPLE = fileURLToPath(
  new URL('../../../../examples/ravenstack', import.meta.url),
);

/**
 * The alert types the demo evaluates. `ravenstack-usage-drop` (20 and 80%) stays disabled
 * because a 2024 backtest on the RavenStack usage found 1,368 qualifying account-weeks over 435
 * of the 500 accounts, more than the team could work. `ravenstack-usage-drop-sharp` is its
 * tuned variant.
 */
export const DEMO_ALERT_TYPES: ReadonlySet<string> = new Set([
  'ravenstack-usage-drop-sharp',
  'ravenstack-usage-silent',
]);

const TABLES = {
  accounts: 'ravenstack_accounts.csv',
  subscriptions: 'ravenstack_subscriptions.csv',
  usage: 'ravenstack_feature_usage.csv',
} as const;

export type RavenstackFiles = Record<keyof typeof TABLES, string>;

/** Finds the three RavenStack tables in `dir/ravenstack` or in `dir` itself. */
export function ravenstackFiles(dir: string): RavenstackFiles {
  for (const folder of [join(dir, 'ravenstack'), dir]) {
    const paths = {
      accounts: join(folder, TABLES.accounts),
      subscriptions: join(folder, TABLES.subscriptions),
      usage: join(folder, TABLES.usage),
    };
    if (Object.values(paths).every((path) => existsSync(path))) return paths;
  }
  throw new CliError(
    `Cannot find the RavenStack tables in ${dir}: expected ${Object.values(TABLES).join(', ')} ` +
      `in ${join(dir, 'ravenstack')} or in ${dir} itself. Pass --data with the folder that contains them.`,
  );
}

/** Rows of one table left out of the import, grouped by reason. */
export interface SkippedRows {
  reason: string;
  count: number;
  /** CSV line numbers, where the importer reports them. */
  lines?: number[];
}

/** The import's result for one table. */
export interface TableImport {
  file: string;
  /** Data rows in the file. */
  rows: number;
  /** Rows that were used. */
  used: number;
  skipped: SkippedRows[];
}

export interface WorkflowCounts {
  started: number;
  completed: number;
  /** Instances started in the range, by rule id. */
  startedByRule: Record<string, number>;
}

export interface AlertCounts {
  raised: number;
  /** Alert tasks raised in the range, by their status at the end. */
  closed: number;
  dismissed: number;
  open: number;
  snoozed: number;
}

export interface RavenstackSummary {
  from: IsoDate;
  to: IsoDate;
  seed: number;
  accountsImported: number;
  tables: { accounts: TableImport; subscriptions: TableImport; usage: TableImport };
  workflows: Record<string, WorkflowCounts>;
  alertTypesEnabled: string[];
  alerts: Record<string, AlertCounts>;
  team: NonNullable<ReplaySummary['team']>;
  /** Open tasks past their due date on the last day. */
  overdueAtEnd: { milestones: number; alerts: number };
  /** The day after the replay: `serve --clock` starts there to show the result as it ended. */
  serveClock: IsoDate;
  /** The team, who sign in with `password`, in the team file's order. */
  signIn: { password: string; users: TeamMemberSignIn[] };
}

/** One team member as the summary names them for signing in. */
export interface TeamMemberSignIn {
  email: string;
  name: string;
  role: Role;
  /** Alert tasks owned and still open at the end of the replay. */
  openAlerts: number;
}

export interface RavenstackOptions {
  files: RavenstackFiles;
  /** Replaces the team file's seed. */
  seed?: string;
  /** The last day to replay, for a shorter run (default `RAVENSTACK_TO`). */
  to?: IsoDate;
  /** Called before each phase, for progress output. */
  onPhase?: (message: string) => void;
  onDay?: (day: IsoDate, index: number, total: number) => void;
}

/**
 * Loads the RavenStack example into an empty database and replays its two years. It applies the
 * example and imports accounts, contract starts and usage, skipping invalid rows and reporting
 * them. It then enables the example's rules and the alert types of `DEMO_ALERT_TYPES`, and
 * replays every day with the simulated team. `clock` must be the engine's clock, set to the
 * first day.
 */
export async function runRavenstackDemo(
  engine: Engine,
  clock: ManualClock,
  options: RavenstackOptions,
): Promise<RavenstackSummary> {
  const phase = options.onPhase ?? (() => {});
  if ((await engine.users.list()).length > 0) {
    throw new CliError(
      'The database already has users, and the RavenStack demo needs an empty one. ' +
        'Pass --db with the path of a new SQLite file.',
    );
  }

  phase(`Applying ${RAVENSTACK_EXAMPLE}`);
  const teamFile = join(RAVENSTACK_EXAMPLE, 'team.json');
  const applied = await applyPath(RAVENSTACK_EXAMPLE, false, (work) => work(engine));
  // Applying a team file leaves passwords unset, so the team gets the seeded demo's password.
  const members = parseTeamFile(readJsonFile(teamFile), teamFile).users;
  for (const member of members) await engine.users.upsert({ ...member, password: DEMO_PASSWORD });
  await enableExample(
    engine,
    applied.published.map((workflow) => workflow.key),
  );

  phase('Importing accounts, contract starts and usage');
  const tables = await importTables(engine, options.files);

  const to = options.to ?? RAVENSTACK_TO;
  phase(`Replaying ${RAVENSTACK_FROM} to ${to}`);
  const team = await loadTeam(engine, teamFile, options.seed);
  const replayed = await replay(engine, clock, {
    from: RAVENSTACK_FROM,
    to,
    team,
    ...(options.onDay ? { onDay: options.onDay } : {}),
  });
  // Two years of notifications would bury the ones a visitor should see, so only those of the
  // replay's last two days stay unread.
  await engine.database.db
    .updateTable('notifications')
    .set({ read_at: clock.now() })
    .where('created_at', '<', dateToMs(to) - 2 * DAY_MS)
    .where('read_at', 'is', null)
    .execute();

  return {
    from: RAVENSTACK_FROM,
    to,
    seed: team.seed,
    accountsImported: tables.accounts.used,
    tables,
    workflows: workflowCounts(replayed),
    alertTypesEnabled: [...DEMO_ALERT_TYPES].sort(),
    alerts: await alertCounts(engine, replayed.alertsRaised),
    team: replayed.team!,
    overdueAtEnd: { milestones: replayed.overdueAtEnd, alerts: await overdueAlerts(engine) },
    serveClock: msToDate(addDays(dateToMs(to), 1)),
    signIn: { password: DEMO_PASSWORD, users: await teamSignIn(engine, members) },
  };
}

/** Lists the team members with the number of open alert tasks each owns. */
async function teamSignIn(
  engine: Engine,
  members: readonly { email: string; name: string; role: Role }[],
): Promise<TeamMemberSignIn[]> {
  const rows = await engine.database.db
    .selectFrom('alerts')
    .innerJoin('users', 'users.id', 'alerts.owner_id')
    .select(['users.email', (eb) => eb.fn.countAll<number>().as('n')])
    .where('alerts.status', '=', 'open')
    .groupBy('users.email')
    .execute();
  const open = new Map(rows.map((row) => [row.email, Number(row.n)]));
  return members.map(({ email, name, role }) => {
    const stored = normalizeEmail(email);
    return { email: stored, name, role, openAlerts: open.get(stored) ?? 0 };
  });
}

/** Enables every rule of the example's workflows and only the demo's alert types. */
async function enableExample(engine: Engine, workflowKeys: readonly string[]): Promise<void> {
  for (const key of workflowKeys) {
    for (const stored of await engine.rules.list(key)) {
      if (!stored.enabled) await engine.rules.setEnabled(key, stored.rule.id, true);
    }
  }
  const present = new Set<string>();
  for (const stored of await engine.alertTypes.list()) {
    const enable = DEMO_ALERT_TYPES.has(stored.type.key);
    present.add(stored.type.key);
    if (stored.enabled !== enable) await engine.alertTypes.setEnabled(stored.type.key, enable);
  }
  const missing = [...DEMO_ALERT_TYPES].filter((key) => !present.has(key));
  if (missing.length > 0) {
    throw new CliError(
      `${RAVENSTACK_EXAMPLE} has no alert type ${missing.join(', ')}; restore its file under alert-types/.`,
    );
  }
}

async function importTables(
  engine: Engine,
  files: RavenstackFiles,
): Promise<RavenstackSummary['tables']> {
  const example = (name: string) => join(RAVENSTACK_EXAMPLE, name);

  const accountsMapping = example('accounts.mapping.json');
  const accountsText = readTextFile(files.accounts);
  const accounts = await importAccounts(
    engine,
    files.accounts,
    accountsText,
    parseAccountMapping(readJsonFile(accountsMapping), accountsMapping),
    true,
  );

  const fieldsMapping = parseAccountFieldsMapping(example('contract-start.mapping.json'));
  const subscriptionsText = readTextFile(files.subscriptions);
  const fields = await importAccountFields(
    engine,
    files.subscriptions,
    subscriptionsText,
    fieldsMapping,
    true,
  );
  const filter = fieldsMapping.filter;

  const usageMappingPath = example('usage.mapping.json');
  const usageMapping = parseMetricsMapping(usageMappingPath);
  const lookup = readLookup(usageMapping, {
    mapping: usageMappingPath,
    lookup: files.subscriptions,
  });
  const usageText = readTextFile(files.usage);
  const usage = await importMetrics(engine, files.usage, usageText, usageMapping, lookup, true);

  return {
    accounts: {
      file: files.accounts,
      rows: accounts.imported + accounts.skipped,
      used: accounts.imported,
      skipped: groupReasons(accounts.reasons),
    },
    subscriptions: {
      file: files.subscriptions,
      rows: fields.rowsUsed + fields.rowsFilteredOut + fields.skipped,
      used: fields.rowsUsed,
      skipped: [
        ...(fields.rowsFilteredOut > 0 && filter
          ? [
              {
                reason: `does not pass the mapping's filter ${describeFilter(filter)}`,
                count: fields.rowsFilteredOut,
              },
            ]
          : []),
        ...groupReasons(fields.reasons),
      ],
    },
    usage: {
      file: files.usage,
      rows: usage.imported + usage.duplicates + usage.skipped,
      used: usage.imported,
      skipped: [
        ...(usage.duplicates > 0
          ? [
              {
                reason: `repeats the ${usageMapping.idColumn ?? 'id'} of an earlier row`,
                count: usage.duplicates,
                lines: usage.duplicateRows.map((row) => row.line),
              },
            ]
          : []),
        ...groupReasons(usage.reasons),
      ],
    },
  };
}

/** Writes a simple condition as `field op value`, and any other as JSON. */
function describeFilter(filter: Condition): string {
  if ('field' in filter && 'op' in filter) {
    const value = 'value' in filter ? ` ${JSON.stringify(filter.value)}` : '';
    return `${filter.field} ${filter.op}${value}`;
  }
  return JSON.stringify(filter);
}

/** Groups rejected rows by their reason, keeping each group's line numbers. */
function groupReasons(reasons: readonly { line: number; reason: string }[]): SkippedRows[] {
  const groups = new Map<string, number[]>();
  for (const { line, reason } of reasons) groups.set(reason, [...(groups.get(reason) ?? []), line]);
  return [...groups].map(([reason, lines]) => ({ reason, count: lines.length, lines }));
}

function workflowCounts(replayed: ReplaySummary): Record<string, WorkflowCounts> {
  const counts: Record<string, WorkflowCounts> = {};
  const entry = (key: string) => (counts[key] ??= { started: 0, completed: 0, startedByRule: {} });
  for (const [key, n] of Object.entries(replayed.started)) entry(key).started = n;
  for (const [key, n] of Object.entries(replayed.completed)) entry(key).completed = n;
  for (const [workflowRule, n] of Object.entries(replayed.startedByRule)) {
    const [key, ruleId] = workflowRule.split('/') as [string, string];
    entry(key).startedByRule[ruleId] = n;
  }
  return counts;
}

/** Counts the alerts of each enabled type raised in the replay, by their status at the end. */
async function alertCounts(
  engine: Engine,
  raised: Record<string, number>,
): Promise<Record<string, AlertCounts>> {
  const rows = await engine.database.db
    .selectFrom('alerts')
    .select(['alert_type_key', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['alert_type_key', 'status'])
    .execute();
  const counts: Record<string, AlertCounts> = {};
  for (const key of [...DEMO_ALERT_TYPES].sort()) {
    counts[key] = { raised: raised[key] ?? 0, closed: 0, dismissed: 0, open: 0, snoozed: 0 };
  }
  for (const row of rows) {
    const entry = (counts[row.alert_type_key] ??= {
      raised: raised[row.alert_type_key] ?? 0,
      closed: 0,
      dismissed: 0,
      open: 0,
      snoozed: 0,
    });
    entry[row.status] = Number(row.n);
  }
  return counts;
}

async function overdueAlerts(engine: Engine): Promise<number> {
  const row = await engine.database.db
    .selectFrom('alerts')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'open')
    .where('due_at', '<', engine.clock.now())
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
