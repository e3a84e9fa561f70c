import { openDatabase, databaseUrlFromEnv, migrateToLatest } from '@milepost/db';
import { Engine, ManualClock, replay, SimulatedTeam } from '@milepost/engine';
import { IsoDate, parseTeamFile, TeamSimulation } from '@milepost/model';
import { readJsonFile } from '../files.ts';
import { CliError, output, type GlobalOptions } from '../runtime.ts';

function parseDate(option: string, value: string | undefined): string {
  if (!value || !IsoDate.safeParse(value).success || Number.isNaN(Date.parse(value))) {
    throw new CliError(`Invalid ${option} "${value ?? ''}": use a date written YYYY-MM-DD.`);
  }
  return value;
}

async function openAt(options: GlobalOptions, start: string) {
  const database = openDatabase(options.db ?? databaseUrlFromEnv());
  await migrateToLatest(database);
  const clock = new ManualClock(`${start}T00:00:00Z`);
  return { engine: new Engine({ database, clock }), clock, close: () => database.close() };
}

/** `tick --as-of DATE`: one scheduler pass at a given time (midnight UTC of the date). */
export async function tickCommand(options: GlobalOptions & { asOf?: string }): Promise<void> {
  const asOf = options.asOf
    ? parseDate('--as-of', options.asOf)
    : new Date().toISOString().slice(0, 10);
  const { engine, close } = await openAt(options, asOf);
  try {
    const summary = await engine.scheduler.tick();
    output(options, { asOf, ...summary }, () => [
      `Scheduler pass at ${asOf}: ${
        Object.entries(summary.jobs)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'no jobs'
      }.`,
      `Started ${
        Object.entries(summary.rules.started)
          .map(([k, n]) => `${n} ${k}`)
          .join(', ') || 'no instances'
      }; ${summary.rules.cancelled} cancelled; ${summary.overdue} marked overdue.`,
    ]);
  } finally {
    await close();
  }
}

/**
 * Builds the simulated team of a team file, whose members must be users already. `seed`, when
 * given, replaces the seed of the file's `simulation` block.
 */
export async function loadTeam(
  engine: Engine,
  teamFile: string,
  seed: string | undefined,
): Promise<SimulatedTeam> {
  const file = parseTeamFile(readJsonFile(teamFile), teamFile);
  if (seed !== undefined && !Number.isInteger(Number(seed))) {
    throw new CliError(`Invalid --seed "${seed}": use a whole number such as 7.`);
  }
  const settings = TeamSimulation.parse({
    ...file.simulation,
    ...(seed !== undefined ? { seed: Number(seed) } : {}),
  });
  const members = [];
  for (const member of file.users) {
    const user = await engine.users.findByEmail(member.email);
    if (!user)
      throw new CliError(
        `Team member ${member.email} is not a user; run milepost apply on the team file first.`,
      );
    members.push(user.id);
  }
  return new SimulatedTeam(engine, settings, members);
}

/**
 * Reports replay progress on standard error: a bar redrawn in place on a terminal, a line every
 * 30 days otherwise, and nothing with `--json`.
 */
export function replayProgress(
  options: GlobalOptions,
): (day: string, index: number, total: number) => void {
  const bar = !options.json && process.stderr.isTTY;
  return (day, index, total) => {
    if (bar) {
      const width = 30;
      const filled = Math.round((index / total) * width);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${day} ${index}/${total} days`,
      );
      if (index === total) process.stderr.write('\n');
    } else if (!options.json && (index % 30 === 0 || index === total)) {
      process.stderr.write(`replayed ${index}/${total} days (${day})\n`);
    }
  };
}

/**
 * `replay --from DATE --to DATE [--team FILE]`: runs the scheduler day by day on a simulated
 * clock, with a simulated team working the tasks when a team file is given.
 */
export async function replayCommand(
  options: GlobalOptions & { from?: string; to?: string; team?: string; seed?: string },
): Promise<void> {
  const from = parseDate('--from', options.from);
  const to = parseDate('--to', options.to);
  if (from > to) throw new CliError(`--from ${from} is after --to ${to}; swap them.`);
  const { engine, clock, close } = await openAt(options, from);

  try {
    const team = options.team ? await loadTeam(engine, options.team, options.seed) : undefined;
    const summary = await replay(engine, clock, {
      from,
      to,
      ...(team ? { team } : {}),
      onDay: replayProgress(options),
    });

    output(options, summary, () => [
      `Replayed ${summary.days} days, ${summary.from} to ${summary.to}.`,
      ...Object.keys({ ...summary.started, ...summary.completed }).map(
        (key) =>
          `  ${key}: ${summary.started[key] ?? 0} started, ${summary.completed[key] ?? 0} completed`,
      ),
      `Timers fired: ${summary.timersFired}; jobs run: ${Object.entries(summary.jobsRun)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}.`,
      ...(Object.keys(summary.alertsRaised).length > 0
        ? [
            `Alerts raised: ${Object.entries(summary.alertsRaised)
              .map(([k, n]) => `${n} ${k}`)
              .join(', ')}.`,
          ]
        : []),
      ...(summary.team
        ? [
            `Simulated team: ${summary.team.started} milestones started, ${summary.team.completed} completed; ` +
              `${summary.team.alertsClosed} alert tasks closed, ${summary.team.alertsDismissed} dismissed.`,
          ]
        : []),
      `Open milestones past due at the end: ${summary.overdueAtEnd}.`,
    ]);
  } finally {
    await close();
  }
}
