import {
  mapMetricRows,
  readMetricsLookup,
  type MetricsImportResult,
  type Engine,
  type MetricsLookup,
} from '@milepost/engine';
import { MetricsMapping } from '@milepost/model';
import { readJsonFile, readTextFile } from '../files.ts';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';

export interface ImportMetricsOptions extends GlobalOptions {
  mapping: string;
  lookup?: string;
  skipInvalid?: boolean;
}

/**
 * `import metrics CSV --mapping FILE [--lookup CSV]`: sums the file's values per account, metric
 * and day, and stores them, replacing the values stored for the same metric, account and day, so
 * importing the same file again leaves the same table. A row whose id repeats an earlier row's is
 * skipped and reported. Rows that fail are reported by line and reason; unless `--skip-invalid`
 * is given, one failing row means nothing is imported.
 */
export async function importMetricsCommand(
  csv: string,
  options: ImportMetricsOptions,
): Promise<void> {
  const mapping = parseMetricsMapping(options.mapping);
  const text = readTextFile(csv);
  const lookup = readLookup(mapping, options);

  const summary = await withEngine(options, (engine) =>
    importMetrics(engine, csv, text, mapping, lookup, options.skipInvalid ?? false),
  );

  output(options, summary, () => [
    `Imported ${summary.imported} row(s) as ${summary.points} daily value(s) of ${summary.metrics.join(', ')} for ${summary.accounts} account(s).`,
    ...(summary.duplicates > 0
      ? [`Skipped ${summary.duplicates} row(s) whose id repeats an earlier row:`]
      : []),
    ...summary.duplicateRows.map(
      ({ line, id, firstLine }) => `  line ${line}: id "${id}" was used on line ${firstLine}`,
    ),
    ...(summary.skipped > 0 ? [`Skipped ${summary.skipped} invalid row(s):`] : []),
    ...summary.reasons.map(({ line, reason }) => `  line ${line}: ${reason}`),
  ]);
}

/**
 * Sums the rows of a metrics CSV's `text` per account, metric and day, and stores them. Unless
 * `skipInvalid`, one failing row raises a `CliError` that lists every failing row, and nothing is
 * stored.
 */
export async function importMetrics(
  engine: Engine,
  csv: string,
  text: string,
  mapping: MetricsMapping,
  lookup: MetricsLookup | undefined,
  skipInvalid: boolean,
) {
  const knownAccountIds = new Set(await engine.accounts.ids());
  const mapped = wholeFileErrors(csv, () =>
    mapMetricRows(text, mapping, { knownAccountIds, ...(lookup ? { lookup } : {}) }),
  );
  const reasons = mapped.rejected.map(({ line, reason }) => ({ line, reason }));
  if (reasons.length > 0 && !skipInvalid) {
    const lines = reasons.map(({ line, reason }) => `  line ${line}: ${reason}`).join('\n');
    throw new CliError(
      `${reasons.length} row(s) of ${csv} are invalid, so nothing was imported. Fix them, or pass --skip-invalid to import the other rows:\n${lines}`,
      { imported: 0, skipped: reasons.length, reasons },
    );
  }

  const { written } = await engine.metrics.upsert(mapped.points);
  return summarize(mapping, mapped, written, reasons);
}

/** Reads and checks a metrics mapping file, listing every problem. */
export function parseMetricsMapping(path: string): MetricsMapping {
  const parsed = MetricsMapping.safeParse(readJsonFile(path));
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map(
    (issue) => `  - ${issue.path.join('.') || '(top level)'}: ${issue.message}`,
  );
  throw new CliError(`${path} is not a valid metrics mapping:\n${lines.join('\n')}`);
}

/** Reads the `--lookup` CSV, which a mapping with `lookup` requires and any other rejects. */
export function readLookup(
  mapping: MetricsMapping,
  options: Pick<ImportMetricsOptions, 'mapping' | 'lookup'>,
): MetricsLookup | undefined {
  if (!mapping.lookup) {
    if (options.lookup === undefined) return undefined;
    throw new CliError(
      `--lookup ${options.lookup} was given, but ${options.mapping} has no "lookup" entry. ` +
        'Add one, or leave --lookup out.',
    );
  }
  if (options.lookup === undefined) {
    throw new CliError(
      `${options.mapping} reaches accounts through a lookup CSV: pass it with --lookup FILE ` +
        `(a CSV with the columns "${mapping.lookup.key}" and "${mapping.lookup.account}").`,
    );
  }
  const file = options.lookup;
  const lookupMapping = mapping.lookup;
  return wholeFileErrors(file, () => readMetricsLookup(readTextFile(file), lookupMapping));
}

/** Runs `read`, turning the plain `Error` of a problem of the whole file into a `CliError`. */
function wholeFileErrors<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    // Problems of the whole file (a missing column, an unclosed quote) are plain Errors whose
    // message names the fix. Other errors are bugs, so they keep their stack.
    if (!(error instanceof Error) || error.constructor !== Error) throw error;
    throw new CliError(`Cannot import ${file}: ${error.message}`);
  }
}

function summarize(
  mapping: MetricsMapping,
  mapped: MetricsImportResult,
  written: number,
  reasons: { line: number; reason: string }[],
) {
  return {
    imported: mapped.rowsUsed,
    points: written,
    accounts: new Set(mapped.points.map((point) => point.accountId)).size,
    metrics: Object.keys(mapping.metrics).sort(),
    duplicates: mapped.duplicates.length,
    duplicateRows: mapped.duplicates,
    skipped: reasons.length,
    reasons,
  };
}
