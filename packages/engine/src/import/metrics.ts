import type { IsoDate, MetricPoint, MetricsMapping } from '@milepost/model';
import type { RejectedRow } from './accounts.ts';
import { parseDateCell, parseNumberCell } from './cell-values.ts';
import { readCsvTable } from './csv-table.ts';

/** Account ids by lookup key, such as subscription id to account id. */
export type MetricsLookup = ReadonlyMap<string, string>;

/** A row skipped because an earlier row already had its id. */
export interface DuplicateRow {
  line: number;
  id: string;
  /** Line of the row with the same id that was used. */
  firstLine: number;
}

export interface MetricsImportResult {
  /** One point per metric, account and day, summed over the rows and sorted in that order. */
  points: MetricPoint[];
  /** Data rows that took part in the sums. */
  rowsUsed: number;
  duplicates: DuplicateRow[];
  rejected: RejectedRow[];
}

export interface MapMetricRowsOptions {
  /** The lookup CSV read by `readMetricsLookup`, required when the mapping has `lookup`. */
  lookup?: MetricsLookup;
  /** Ids of the accounts that exist. A row that reaches any other account is rejected. */
  knownAccountIds: ReadonlySet<string>;
}

/**
 * Reads a lookup CSV into account ids by key. Rows with an empty key are ignored. Throws an
 * `Error` when a column is missing or a key maps to two different accounts.
 */
export function readMetricsLookup(
  csvText: string,
  lookup: NonNullable<MetricsMapping['lookup']>,
): MetricsLookup {
  const table = readCsvTable(csvText);
  const column = columnIndexes(table.header, [lookup.key, lookup.account], 'lookup CSV');
  const keyIndex = column.get(lookup.key)!;
  const accountIndex = column.get(lookup.account)!;

  const accounts = new Map<string, { accountId: string; line: number }>();
  for (const row of table.rows) {
    const key = row.cells[keyIndex] ?? '';
    if (key === '') continue;
    const accountId = row.cells[accountIndex] ?? '';
    const earlier = accounts.get(key);
    if (earlier && earlier.accountId !== accountId) {
      throw new Error(
        `The lookup CSV maps ${lookup.key} "${key}" to account "${earlier.accountId}" on line ` +
          `${earlier.line} and to "${accountId}" on line ${row.line}. Each key must lead to one ` +
          'account: correct one of the rows.',
      );
    }
    if (!earlier) accounts.set(key, { accountId, line: row.line });
  }
  return new Map([...accounts].map(([key, { accountId }]) => [key, accountId]));
}

/**
 * Maps the rows of a metrics CSV to daily points per account, summing each metric per account
 * and day, without touching the database. A row whose id repeats an earlier row's is skipped
 * and listed in `duplicates`. Rows are rejected with their line and reason for a cell count
 * that differs from the header, an empty id, an account that cannot be found, an invalid date
 * or a value that is not a number. Throws an `Error` for problems of the whole file: invalid
 * CSV, or a mapped column missing from the header.
 */
export function mapMetricRows(
  csvText: string,
  mapping: MetricsMapping,
  options: MapMetricRowsOptions,
): MetricsImportResult {
  if (mapping.lookup && !options.lookup) {
    throw new Error('The mapping reaches accounts through a lookup CSV, but none was given.');
  }
  const table = readCsvTable(csvText);
  const metrics = Object.entries(mapping.metrics);
  const accountColumn = mapping.lookup?.column ?? mapping.account!;
  const required = [accountColumn, mapping.date, ...(mapping.idColumn ? [mapping.idColumn] : [])];
  for (const [, metric] of metrics) if (metric.column) required.push(metric.column);
  const column = columnIndexes(table.header, required, 'CSV');
  const cell = (cells: string[], name: string) => cells[column.get(name)!] ?? '';

  const sums = new Map<string, MetricPoint>();
  const firstLineById = new Map<string, number>();
  const result: MetricsImportResult = { points: [], rowsUsed: 0, duplicates: [], rejected: [] };

  for (const row of table.rows) {
    if (row.cells.length !== table.header.length) {
      const counts = `${row.cells.length} cells but the header has ${table.header.length} columns`;
      result.rejected.push({ line: row.line, reason: `the row has ${counts}` });
      continue;
    }
    const problems: string[] = [];

    if (mapping.idColumn) {
      const id = cell(row.cells, mapping.idColumn);
      const firstLine = firstLineById.get(id);
      if (firstLine !== undefined) {
        result.duplicates.push({ line: row.line, id, firstLine });
        continue;
      }
      if (id === '') problems.push(`${mapping.idColumn} is empty, but it is the id column`);
      else firstLineById.set(id, row.line);
    }

    const accountId = resolveAccount(cell(row.cells, accountColumn), mapping, options, problems);
    const date = parseDateCell(mapping.date, cell(row.cells, mapping.date), mapping.dateFormat);
    if (!date.ok) problems.push(date.reason);

    const values: [string, number][] = [];
    for (const [name, metric] of metrics) {
      if (metric.aggregate === 'count') {
        values.push([name, 1]);
        continue;
      }
      const raw = cell(row.cells, metric.column!);
      const value =
        raw === ''
          ? { ok: false as const, reason: `${metric.column} is empty, but ${name} sums it` }
          : parseNumberCell(metric.column!, raw);
      if (value.ok) values.push([name, value.value]);
      else problems.push(value.reason);
    }

    if (problems.length > 0 || accountId === null || !date.ok) {
      result.rejected.push({ line: row.line, reason: problems.join('; ') });
      continue;
    }
    result.rowsUsed++;
    for (const [metric, value] of values) addTo(sums, accountId, metric, date.value, value);
  }

  result.points = [...sums.values()].sort(comparePoints);
  return result;
}

/** Finds a row's account, directly or through the lookup, adding any problem to `problems`. */
function resolveAccount(
  raw: string,
  mapping: MetricsMapping,
  options: MapMetricRowsOptions,
  problems: string[],
): string | null {
  const column = mapping.lookup?.column ?? mapping.account!;
  if (raw === '') {
    problems.push(`${column} is empty, but every row needs an account`);
    return null;
  }

  let accountId = raw;
  let through = '';
  if (mapping.lookup) {
    const found = options.lookup!.get(raw);
    if (found === undefined) {
      problems.push(
        `${column} "${raw}" is not in the lookup CSV's ${mapping.lookup.key} column: ` +
          'add it there or correct the row',
      );
      return null;
    }
    if (found === '') {
      problems.push(`${column} "${raw}" has an empty ${mapping.lookup.account} in the lookup CSV`);
      return null;
    }
    accountId = found;
    through = ` (through ${column} "${raw}")`;
  }

  if (!options.knownAccountIds.has(accountId)) {
    problems.push(`account "${accountId}"${through} does not exist: import the account first`);
    return null;
  }
  return accountId;
}

function addTo(
  sums: Map<string, MetricPoint>,
  accountId: string,
  metric: string,
  date: IsoDate,
  value: number,
): void {
  const key = `${accountId}\u0000${metric}\u0000${date}`;
  const point = sums.get(key);
  if (point) point.value += value;
  else sums.set(key, { accountId, metric, date, value });
}

function comparePoints(a: MetricPoint, b: MetricPoint): number {
  if (a.accountId !== b.accountId) return a.accountId < b.accountId ? -1 : 1;
  if (a.metric !== b.metric) return a.metric < b.metric ? -1 : 1;
  return a.date.localeCompare(b.date);
}

/**
 * Returns the index of each required column. Throws an `Error` naming the columns that are missing
 * or repeated, and the header.
 */
function columnIndexes(
  header: readonly string[],
  required: readonly string[],
  file: string,
): Map<string, number> {
  const indexes = new Map<string, number>();
  const repeated = new Set<string>();
  header.forEach((name, index) => {
    if (indexes.has(name)) repeated.add(name);
    else indexes.set(name, index);
  });

  const existing = header.map((name) => `"${name}"`).join(', ');
  const missing = [...new Set(required.filter((name) => !indexes.has(name)))];
  if (missing.length > 0) {
    throw new Error(
      `The ${file} header has no column ${missing.map((name) => `"${name}"`).join(', ')}. ` +
        `Its columns are ${existing}. Correct the column names in the mapping or in the file.`,
    );
  }
  const ambiguous = [...new Set(required.filter((name) => repeated.has(name)))];
  if (ambiguous.length > 0) {
    throw new Error(
      `The ${file} header repeats the mapped column ${ambiguous.map((n) => `"${n}"`).join(', ')}, ` +
        'so its cells are ambiguous. Rename or remove the extra column.',
    );
  }
  return indexes;
}
