import { parseAlertType, type Engine } from '@milepost/engine';
import { IsoDate, type AlertType } from '@milepost/model';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';

function parseDate(option: string, value: string | undefined): string {
  if (value === undefined) throw new CliError(`Missing ${option}: give a date as YYYY-MM-DD.`);
  if (!IsoDate.safeParse(value).success || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new CliError(`Invalid ${option} "${value}": use a date as YYYY-MM-DD, e.g. 2024-03-04.`);
  }
  return value;
}

/**
 * `alerts evaluate --as-of DATE [--type KEY]`: raises the alerts of every enabled type whose
 * cadence includes DATE (or of type KEY alone), reading metrics up to the day before DATE.
 */
export async function evaluateAlertsCommand(
  options: GlobalOptions & { asOf?: string; type?: string },
): Promise<void> {
  const asOf = parseDate('--as-of', options.asOf);
  const result = await withEngine(options, async (engine) => {
    const evaluations = await engine.alertTypes.evaluate(
      asOf,
      options.type ? { key: options.type } : {},
    );
    const ids = evaluations.flatMap((e) => e.alertIds);
    const alerts = [];
    for (let offset = 0; offset < ids.length; offset += 500) {
      alerts.push(
        ...(await engine.database.db
          .selectFrom('alerts')
          .innerJoin('accounts', 'accounts.id', 'alerts.account_id')
          .select([
            'alerts.id',
            'alerts.alert_type_key as type',
            'alerts.account_id as accountId',
            'accounts.name as accountName',
            'alerts.fired_on as firedOn',
            'alerts.owner_id as ownerId',
          ])
          .where('alerts.id', 'in', ids.slice(offset, offset + 500))
          .orderBy('alerts.id')
          .execute()),
      );
    }
    return { evaluations, alerts };
  });

  const types = result.evaluations.map(({ key, date, raised, suppressed }) => ({
    key,
    date,
    raised,
    suppressed,
  }));
  output(options, { asOf, types, alerts: result.alerts }, () => [
    types.length === 0
      ? `No alert type is evaluated on ${asOf}: none is enabled, or their cadence skips that day.`
      : `Evaluated ${types.length} alert type(s) as of ${asOf}:`,
    ...types.map((t) => `  ${t.key}: ${t.raised} raised, ${t.suppressed} suppressed`),
    ...result.alerts.map(
      (a) => `  #${a.id} ${a.type} ${a.firedOn} ${a.accountId} ${a.accountName}`,
    ),
  ]);
}

/** `alerts backtest KEY --from DATE --to DATE`: qualifying accounts per evaluation day. */
export async function backtestAlertsCommand(
  key: string,
  options: GlobalOptions & { from?: string; to?: string },
): Promise<void> {
  const from = parseDate('--from', options.from);
  const to = parseDate('--to', options.to);
  const backtest = await withEngine(options, (engine) => engine.alertTypes.backtest(key, from, to));
  const total = backtest.days.reduce((sum, day) => sum + day.count, 0);
  output(options, backtest, () => [
    `${key} (${backtest.cadence}) from ${from} to ${to}: ${total} qualifying account-day(s) over ${backtest.days.length} evaluation day(s), before open alerts and the retrigger delay.`,
    ...backtest.days.map(
      (day) =>
        `  ${day.date}: ${day.count}${
          day.count > 0
            ? ` ${day.accounts
                .slice(0, 5)
                .map((a) => a.id)
                .join(', ')}${day.count > 5 ? ', ...' : ''}`
            : ''
        }`,
    ),
  ]);
}

/** `alerts list`: the alert types, their cadence, whether enabled, and how far evaluated. */
export async function listAlertTypesCommand(options: GlobalOptions): Promise<void> {
  const types = await withEngine(options, (engine) => engine.alertTypes.list());
  output(options, { types }, () =>
    types.length === 0
      ? ['No alert types. Add alert type files and run milepost apply.']
      : types.map(
          (t) =>
            `${t.type.key}: ${t.enabled ? 'enabled' : 'disabled'}, ${t.type.rule.kind} rule, ${t.cadence}, evaluated through ${t.evaluatedThrough ?? 'never'}`,
        ),
  );
}

/** Parses an alert type file for `apply`, with the file name in the error. */
export function loadAlertTypeFile(file: string, content: unknown): AlertType {
  try {
    return parseAlertType(content);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
}

/**
 * Lists the alert types whose playbook is neither stored nor among `playbookKeys` (the playbooks
 * the same apply publishes), so `apply` can reject them before writing anything.
 */
export async function missingPlaybooks(
  engine: Engine,
  types: readonly { file: string; type: AlertType }[],
  playbookKeys: ReadonlySet<string>,
): Promise<string[]> {
  const problems: string[] = [];
  for (const { file, type } of types) {
    if (!type.playbook || playbookKeys.has(type.playbook)) continue;
    const stored = await engine.database.db
      .selectFrom('playbooks')
      .select('key')
      .where('key', '=', type.playbook)
      .executeTakeFirst();
    if (!stored) {
      problems.push(
        `${file}: alert type "${type.key}" uses playbook "${type.playbook}", which does not exist. Add the playbook file, or remove "playbook".`,
      );
    }
  }
  return problems;
}

/** Saves alert types from `apply`, as of the engine's clock. */
export async function applyAlertTypes(
  engine: Engine,
  types: readonly { file: string; type: AlertType }[],
): Promise<string[]> {
  for (const { type } of types) await engine.alertTypes.save(type, null);
  return types.map(({ type }) => type.key);
}
