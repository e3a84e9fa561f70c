import { accountFieldValues, evaluateCondition } from '@milepost/model';
import type { Account, AccountId, AccountMapping, FieldValue, IsoDate } from '@milepost/model';
import { mapCellValue, parseDateCell, parseFieldCell } from './cell-values.ts';
import { createCellReader } from './columns.ts';
import type { CellReader } from './columns.ts';
import { readCsvTable } from './csv-table.ts';
import type { CsvRow } from './csv-table.ts';
import { createOwnerAssigner } from './owners.ts';
import type { KnownUserEmails } from './owners.ts';

/** A data row that was not imported, and the reason. */
export interface RejectedRow {
  /** 1-based line of the file where the row starts; the header is line 1. */
  line: number;
  /** Every problem of the row, each naming the column, the value and what was expected. */
  reason: string;
}

export interface AccountImportResult {
  accounts: Account[];
  rejected: RejectedRow[];
}

/** An account before its owner is assigned and its stage derived. */
type MappedRow = Omit<Account, 'ownerId'>;

/**
 * Maps the rows of an accounts CSV to accounts, without touching the database. Rows are
 * rejected one by one with their line and reason: a cell that does not convert, an owner who
 * is not in `knownUserEmails` (lowercased email to user id), or an account id that an earlier
 * row already used. Blank rows are skipped. Empty cells leave the account without that date,
 * and make an owner, segment, stage or custom field `null`. Throws an `Error` for problems of
 * the whole file: invalid CSV, a mapped column missing from the header, or an owner rule naming
 * unknown users.
 */
export function mapAccountRows(
  csvText: string,
  mapping: AccountMapping,
  knownUserEmails: KnownUserEmails,
): AccountImportResult {
  const table = readCsvTable(csvText);
  const cell = createCellReader(table.header, mapping);
  const owners = createOwnerAssigner(mapping, knownUserEmails);

  const accounts: Account[] = [];
  const rejected: RejectedRow[] = [];
  const firstLineById = new Map<string, number>();

  for (const row of table.rows) {
    const problems: string[] = [];
    if (row.cells.length !== table.header.length) {
      const counts = `${row.cells.length} cells but the header has ${table.header.length} columns`;
      rejected.push({ line: row.line, reason: `the row has ${counts}` });
      continue;
    }

    const id = cell(row.cells, mapping.id);
    const firstLine = firstLineById.get(id);
    if (firstLine !== undefined) {
      problems.push(
        `${mapping.id} "${id}" repeats the account on line ${firstLine}: ` +
          'each account id may appear only once in a file',
      );
    } else if (id !== '') {
      firstLineById.set(id, row.line);
    }

    const mapped = mapRow(row, mapping, cell, problems);
    const ownerCell = mapping.owner === undefined ? '' : cell(row.cells, mapping.owner);
    // A by-segment owner is checked only once the segment converted.
    if (mapped || mapping.ownerRule?.kind !== 'by_segment') {
      const ownerProblem = owners.check(ownerCell, mapped?.segment ?? null);
      if (ownerProblem) problems.push(ownerProblem);
    }
    if (!mapped || problems.length > 0) {
      rejected.push({ line: row.line, reason: problems.join('; ') });
      continue;
    }

    const account: Account = { ...mapped, ownerId: owners.assign(ownerCell, mapped.segment) };
    if (mapping.stageRules) account.stage = deriveStage(account, mapping.stageRules);
    accounts.push(account);
  }
  return { accounts, rejected };
}

/** Converts one row's cells, adding every problem to `problems`. Returns `null` when any failed. */
function mapRow(
  row: CsvRow,
  mapping: AccountMapping,
  cell: CellReader,
  problems: string[],
): MappedRow | null {
  const countBefore = problems.length;
  const read = <T>(result: { ok: true; value: T } | { ok: false; reason: string }) => {
    if (result.ok) return result.value;
    problems.push(result.reason);
    return null;
  };

  const id = cell(row.cells, mapping.id);
  if (id === '') problems.push(`${mapping.id} is empty, but every account needs an id`);
  const name = cell(row.cells, mapping.name);
  if (name === '') problems.push(`${mapping.name} is empty, but every account needs a name`);

  let segment: string | null = null;
  if (mapping.segment !== undefined) {
    const raw = cell(row.cells, mapping.segment);
    segment = read(mapCellValue(mapping.segment, raw, mapping.segmentValues, 'segmentValues'));
  }
  let stage: string | null = null;
  if (mapping.stage !== undefined) {
    const raw = cell(row.cells, mapping.stage);
    stage = read(mapCellValue(mapping.stage, raw, mapping.stageValues, 'stageValues'));
  }

  const dates: Record<string, IsoDate> = {};
  for (const [field, column] of Object.entries(mapping.dates)) {
    const raw = cell(row.cells, column);
    if (raw === '') continue;
    const date = read(parseDateCell(column, raw, mapping.dateFormat));
    if (date !== null) dates[field] = date;
  }

  const fields: Record<string, FieldValue> = {};
  for (const [field, { column, type }] of Object.entries(mapping.fields)) {
    fields[field] = read(parseFieldCell(column, cell(row.cells, column), type, mapping));
  }

  if (problems.length > countBefore) return null;
  return { id: id as AccountId, name, segment, stage, dates, fields };
}

/** Returns the stage of the first rule that is true for the account, else the default. */
function deriveStage(account: Account, stageRules: NonNullable<AccountMapping['stageRules']>) {
  const values = accountFieldValues(account);
  const match = stageRules.rules.find((rule) => evaluateCondition(rule.when, values));
  return match ? match.stage : stageRules.default;
}
