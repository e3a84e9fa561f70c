import { databaseUrlFromEnv, migrateToLatest, openDatabase } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import {
  RAVENSTACK_FROM,
  ravenstackFiles,
  runRavenstackDemo,
  type RavenstackSummary,
  type TableImport,
  type TeamMemberSignIn,
} from '../../demo/ravenstack.ts';
import { CliError, output, type GlobalOptions } from '../runtime.ts';
import { replayProgress } from './scheduler.ts';

/** The maximum number of line numbers printed per reason in the human-readable summary. */
const LINES_SHOWN = 10;

/**
 * `demo ravenstack --data DIR [--seed N]`: imports the RavenStack tables into an empty database,
 * applies the RavenStack example and replays 2023 and 2024 with its simulated team, then prints
 * what happened, the command that serves the result and the users to sign in as.
 */
export async function demoRavenstackCommand(
  options: GlobalOptions & { data: string; seed?: string },
): Promise<void> {
  if (options.clock !== undefined) {
    throw new CliError(
      `demo ravenstack runs on its own clock from ${RAVENSTACK_FROM}; leave out --clock ${options.clock}.`,
    );
  }
  if (options.seed !== undefined && !Number.isInteger(Number(options.seed))) {
    throw new CliError(`Invalid --seed "${options.seed}": use a whole number such as 7.`);
  }
  const files = ravenstackFiles(options.data);
  const database = openDatabase(options.db ?? databaseUrlFromEnv());
  // Set once the database was found empty and the demo began writing to it.
  let started = false;
  try {
    await migrateToLatest(database);
    const clock = new ManualClock(`${RAVENSTACK_FROM}T00:00:00Z`);
    const engine = new Engine({ database, clock });
    const summary = await runRavenstackDemo(engine, clock, {
      files,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
      onDay: replayProgress(options),
      onPhase: (message) => {
        started = true;
        if (!options.json) process.stderr.write(`${message}...\n`);
      },
    });
    output(options, summary, () => [...summaryLines(summary), ...signInLines(summary, options.db)]);
  } catch (error) {
    // The demo writes through many transactions, so a failure part-way leaves part of it behind.
    if (started) {
      process.stderr.write(
        `milepost: the demo stopped part-way and left ${options.db ?? 'the database'} partly filled. ` +
          'Delete it, or pass --db with a new file, before running the demo again.\n',
      );
    }
    throw error;
  } finally {
    await database.close();
  }
}

function summaryLines(summary: RavenstackSummary): string[] {
  const { team } = summary;
  return [
    `RavenStack, ${summary.from} to ${summary.to}, team seed ${summary.seed}.`,
    `Accounts imported: ${summary.accountsImported}.`,
    ...tableLines('accounts', summary.tables.accounts),
    ...tableLines('subscriptions', summary.tables.subscriptions),
    ...tableLines('feature usage', summary.tables.usage),
    'Instances:',
    ...Object.entries(summary.workflows).flatMap(([key, counts]) => [
      `  ${key}: ${counts.started} started, ${counts.completed} completed`,
      ...Object.entries(counts.startedByRule).map(([rule, n]) => `    rule ${rule}: ${n} started`),
    ]),
    'Alerts:',
    ...Object.entries(summary.alerts).map(
      ([key, counts]) =>
        `  ${key}: ${counts.raised} raised; ${counts.closed} closed, ${counts.dismissed} dismissed, ` +
        `${counts.open} open, ${counts.snoozed} snoozed`,
    ),
    `Simulated team: ${team.started} milestones started, ${team.completed} completed; ` +
      `${team.alertsClosed} alert tasks closed, ${team.alertsDismissed} dismissed.`,
    `Tasks overdue at the end: ${summary.overdueAtEnd.milestones} milestones, ${summary.overdueAtEnd.alerts} alerts.`,
  ];
}

function tableLines(name: string, table: TableImport): string[] {
  return [
    `  ${name}: ${table.used} of ${table.rows} row(s) used (${table.file})`,
    ...table.skipped.map((group) => {
      const lines = group.lines?.slice(0, LINES_SHOWN) ?? [];
      const more = (group.lines?.length ?? 0) > LINES_SHOWN ? ', ...' : '';
      return `    skipped ${group.count}: ${group.reason}${lines.length > 0 ? ` (lines ${lines.join(', ')}${more})` : ''}`;
    }),
  ];
}

/** Builds the closing lines: the command that serves the result, and whom to sign in as. */
export function signInLines(
  summary: Pick<RavenstackSummary, 'serveClock' | 'signIn'>,
  db: string | undefined,
): string[] {
  const { password, users } = summary.signIn;
  const lead = users.find((user) => user.role === 'lead');
  const admin = users.find((user) => user.role === 'admin');
  // The CSM with the maximum number of open alert tasks, whose task list shows alerts to work.
  let csm: TeamMemberSignIn | undefined;
  for (const user of users) {
    if (user.role === 'csm' && (csm === undefined || user.openAlerts > csm.openAlerts)) csm = user;
  }

  const choices: string[] = [];
  if (lead) choices.push(`${lead.email} (lead)`);
  if (admin) choices.push(`${admin.email} (admin)`);
  if (csm) {
    const tasks = csm.openAlerts === 1 ? 'task' : 'tasks';
    choices.push(`${csm.email} (CSM, ${csm.openAlerts} open alert ${tasks})`);
  }
  const dbOption = db === undefined ? '' : ` --db ${shellWord(withoutPassword(db))}`;
  const list = new Intl.ListFormat('en', { type: 'disjunction' }).format(choices);
  return [
    `To look at it: pnpm milepost serve${dbOption} --clock ${summary.serveClock}`,
    `Then sign in as ${list} with the password "${password}".`,
  ];
}

/** Replaces the password of a database URL, which the summary must not print, with PASSWORD. */
function withoutPassword(db: string): string {
  if (!/^postgres(ql)?:\/\//.test(db)) return db;
  const url = new URL(db);
  if (url.password === '') return db;
  url.password = 'PASSWORD';
  return url.toString();
}

/** Quotes a value for a POSIX shell unless it is made of characters that need no quoting. */
function shellWord(value: string): string {
  return /^[\w./:@=+-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}
