import { aggregateAccountFields, type Engine } from '@milepost/engine';
import { AccountFieldsMapping, type Account, type FieldValue } from '@milepost/model';
import { readJsonFile, readTextFile } from '../files.ts';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';

/** Applies aggregated values to every account: dates among dates, others among fields. */
export async function applyAccountFields(
  engine: Engine,
  mapping: AccountFieldsMapping,
  values: ReadonlyMap<string, Record<string, FieldValue>>,
): Promise<{ updated: number; unknownAccounts: string[] }> {
  const ids = await engine.accounts.ids();
  const known = new Set(ids);
  const changed: Account[] = [];
  for (const id of ids) {
    const account = await engine.accounts.get(id);
    const found = values.get(id) ?? {};
    const dates = { ...account.dates };
    const fields = { ...account.fields };
    for (const [name, field] of Object.entries(mapping.fields)) {
      const value = found[name];
      const target: Record<string, unknown> = field.type === 'date' ? dates : fields;
      if (value === undefined || value === null) delete target[name];
      else target[name] = value;
    }
    if (
      JSON.stringify(dates) !== JSON.stringify(account.dates) ||
      JSON.stringify(fields) !== JSON.stringify(account.fields)
    ) {
      changed.push({ ...account, dates, fields } as Account);
    }
  }
  if (changed.length > 0) await engine.accounts.upsert(changed);
  return {
    updated: changed.length,
    unknownAccounts: [...values.keys()].filter((id) => !known.has(id)),
  };
}

/**
 * `import account-fields CSV --mapping FILE`: aggregates a related table per account (the
 * earliest annual subscription start as `contract_start`, say) and stores the values.
 */
export async function importAccountFieldsCommand(
  csv: string,
  options: GlobalOptions & { mapping: string; skipInvalid?: boolean },
): Promise<void> {
  const mapping = parseAccountFieldsMapping(options.mapping);
  const text = readTextFile(csv);
  const summary = await withEngine(options, (engine) =>
    importAccountFields(engine, csv, text, mapping, options.skipInvalid ?? false),
  );
  output(options, summary, () => [
    `Filled ${Object.keys(mapping.fields).join(', ')} for ${summary.accountsWithValues} account(s) from ${summary.rowsUsed} row(s); ${summary.accountsUpdated} account(s) changed.`,
    `${summary.rowsFilteredOut} row(s) left out by the filter.`,
    ...(summary.unknownAccounts.length > 0
      ? [`Rows for unknown accounts: ${summary.unknownAccounts.join(', ')}`]
      : []),
  ]);
}

/** Reads and checks an account-fields mapping file, listing every problem. */
export function parseAccountFieldsMapping(path: string): AccountFieldsMapping {
  const parsed = AccountFieldsMapping.safeParse(readJsonFile(path));
  if (!parsed.success) {
    const lines = parsed.error.issues.map(
      (i) => `  - ${i.path.join('.') || '(top level)'}: ${i.message}`,
    );
    throw new CliError(`${path} is not a valid account-fields mapping:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * Aggregates a related table's CSV `text` per account and stores the values. Unless
 * `skipInvalid`, one failing row raises a `CliError` that lists every failing row, and nothing is
 * stored.
 */
export async function importAccountFields(
  engine: Engine,
  csv: string,
  text: string,
  mapping: AccountFieldsMapping,
  skipInvalid: boolean,
) {
  let result;
  try {
    result = aggregateAccountFields(text, mapping);
  } catch (error) {
    // A problem of the whole file (a missing column, an unclosed quote) is a plain Error whose
    // message names the fix; other errors are bugs and keep their stack.
    if (!(error instanceof Error) || error.constructor !== Error) throw error;
    throw new CliError(`Cannot import ${csv}: ${error.message}`);
  }
  const reasons = result.rejected.map(({ line, reason }) => ({ line, reason }));
  if (reasons.length > 0 && !skipInvalid) {
    const lines = reasons.map(({ line, reason }) => `  line ${line}: ${reason}`).join('\n');
    throw new CliError(
      `${reasons.length} row(s) of ${csv} are invalid, so nothing was imported. Fix them, or pass --skip-invalid:\n${lines}`,
      { skipped: reasons.length, reasons },
    );
  }

  const applied = await applyAccountFields(engine, mapping, result.values);
  return {
    accountsWithValues: result.values.size,
    accountsUpdated: applied.updated,
    rowsUsed: result.used,
    rowsFilteredOut: result.filteredOut,
    unknownAccounts: applied.unknownAccounts,
    skipped: reasons.length,
    reasons,
  };
}
