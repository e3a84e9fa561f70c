import { mapAccountRows, type Engine } from '@milepost/engine';
import { parseAccountMapping, type AccountMapping } from '@milepost/model';
import { readJsonFile, readTextFile } from '../files.ts';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';

export interface ImportOptions extends GlobalOptions {
  mapping: string;
  skipInvalid?: boolean;
}

/**
 * `import accounts CSV --mapping FILE`: maps the file's rows to accounts and upserts them by id.
 * Rows that fail are reported by line and reason; unless `--skip-invalid` is given, one failing
 * row means nothing is imported.
 */
export async function importAccountsCommand(csv: string, options: ImportOptions): Promise<void> {
  const mapping = parseAccountMapping(readJsonFile(options.mapping), options.mapping);
  const text = readTextFile(csv);

  const summary = await withEngine(options, (engine) =>
    importAccounts(engine, csv, text, mapping, options.skipInvalid ?? false),
  );

  output(options, summary, () => [
    `Imported ${summary.imported} account(s): ${summary.created} new, ${summary.updated} updated.`,
    ...(summary.skipped > 0 ? [`Skipped ${summary.skipped} row(s):`] : []),
    ...summary.reasons.map(({ line, reason }) => `  line ${line}: ${reason}`),
  ]);
}

/**
 * Maps the rows of a CSV's `text` to accounts and upserts them by id. Unless `skipInvalid`, one
 * failing row raises a `CliError` that lists every failing row, and nothing is imported.
 */
export async function importAccounts(
  engine: Engine,
  csv: string,
  text: string,
  mapping: AccountMapping,
  skipInvalid: boolean,
) {
  const users = await engine.users.list();
  const known = new Map(users.map((user) => [user.email.toLowerCase(), user.id as string]));
  let mapped;
  try {
    mapped = mapAccountRows(text, mapping, known);
  } catch (error) {
    // mapAccountRows throws a plain Error for a problem of the whole file, such as a missing
    // column, and its message names the fix. Other errors are bugs and keep their stack.
    if (!(error instanceof Error) || error.constructor !== Error) throw error;
    throw new CliError(`Cannot import ${csv}: ${error.message}`);
  }
  const { accounts, rejected } = mapped;
  const reasons = rejected.map(({ line, reason }) => ({ line, reason }));

  if (rejected.length > 0 && !skipInvalid) {
    const lines = reasons.map(({ line, reason }) => `  line ${line}: ${reason}`).join('\n');
    throw new CliError(
      `${rejected.length} row(s) of ${csv} are invalid, so nothing was imported. Fix them, or pass --skip-invalid to import the other rows:\n${lines}`,
      { imported: 0, skipped: rejected.length, reasons },
    );
  }
  const counts = await engine.accounts.upsert(accounts);
  return { imported: accounts.length, ...counts, skipped: rejected.length, reasons };
}
