import { simulateWorkflow, type Engine, type Simulation } from '@milepost/engine';
import { DeploymentRule, IsoDate, msToDate, type WorkflowDefinition } from '@milepost/model';
import { z } from 'zod';
import { readJsonFile } from '../files.ts';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';
import { loadDefinition } from './workflows.ts';

/** Simulates a definition against the database's accounts, as of a date. */
export function simulate(
  engine: Engine,
  definition: WorkflowDefinition,
  options: { asOf?: string; accountId?: string; rules?: DeploymentRule[] },
): Promise<Simulation> {
  return simulateWorkflow(engine.database, definition, {
    asOf: options.asOf ?? msToDate(engine.clock.now()),
    ...(options.accountId ? { accountId: options.accountId } : {}),
    ...(options.rules ? { rules: options.rules } : {}),
  });
}

/** Throws unless the simulation has no warnings or they were accepted. */
export function requireNoWarnings(file: string, simulation: Simulation, accepted: boolean): void {
  if (simulation.warnings.length === 0 || accepted) return;
  const lines = simulation.warnings.map((w) => `  - [${w.code}] ${w.message}`).join('\n');
  throw new CliError(
    `${file} has ${simulation.warnings.length} warning(s), so nothing was published. Fix them, or pass --accept-warnings to publish anyway:\n${lines}`,
    { warnings: simulation.warnings },
  );
}

/** Reads the deployment rules of a workflow file, if it has any. */
export function rulesOf(file: string): DeploymentRule[] | undefined {
  const raw = (readJsonFile(file) as { rules?: unknown }).rules;
  if (raw === undefined) return undefined;
  const parsed = z.array(DeploymentRule).safeParse(raw);
  if (!parsed.success)
    throw new CliError(`${file} has invalid deployment rules: ${parsed.error.message}`);
  return parsed.data;
}

/** Reads `--as-of`, rejecting a date that is not on the calendar, such as 2025-02-30. */
function parseAsOf(value: string): IsoDate {
  const ms = Date.parse(value);
  if (!IsoDate.safeParse(value).success || Number.isNaN(ms) || msToDate(ms) !== value) {
    throw new CliError(`Invalid --as-of "${value}": use a calendar date written YYYY-MM-DD.`);
  }
  return value;
}

/** `workflow simulate FILE [--account ID] [--as-of DATE]`: projected timeline and warnings. */
export async function simulateCommand(
  file: string,
  options: GlobalOptions & { account?: string; asOf?: string },
): Promise<void> {
  const definition = loadDefinition(file);
  const rules = rulesOf(file);
  const asOf = options.asOf === undefined ? undefined : parseAsOf(options.asOf);
  const result = await withEngine(options, (engine) =>
    simulate(engine, definition, {
      ...(asOf ? { asOf } : {}),
      ...(options.account ? { accountId: options.account } : {}),
      ...(rules ? { rules } : {}),
    }),
  );
  // The JSON output leaves out the raw projection: its times are epoch milliseconds, and the
  // timeline already gives them as dates.
  const { projection, ...summary } = result;
  output(
    options,
    {
      workflow: definition.key,
      ...summary,
      durationDays: projection.durationDays,
      targetDays: projection.targetDays,
    },
    () => [
      `${definition.key}${result.account ? ` for ${result.account.id} (${result.account.name})` : ''}: ${result.startDate} to ${result.endDate}, ${Math.round(result.projection.durationDays * 10) / 10} days (target ${result.projection.targetDays ?? 'none'}).`,
      ...result.timeline.map(
        (m) =>
          `  ${m.critical ? '*' : ' '} ${m.id.padEnd(28)} ${m.skipped ? 'skipped' : `${m.readyDate} -> ${m.doneDate}`}${m.dueDate ? `  due ${m.dueDate}` : ''}${m.overdueToday ? '  OVERDUE today' : ''}`,
      ),
      `Completion orders checked: ${result.orders.checked}${result.orders.exhaustive ? ' (all)' : ' (bounded)'}; ${result.orders.failing ? `one fails: ${result.orders.failing.join(', ')}` : 'every one completes'}.`,
      ...(result.warnings.length === 0
        ? ['No warnings.']
        : result.warnings.map((w) => `  warning [${w.code}] ${w.message}`)),
    ],
  );
}
