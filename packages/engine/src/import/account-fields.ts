import {
  evaluateCondition,
  type AccountFieldsMapping,
  type AggregatedField,
  type FieldValue,
} from '@milepost/model';
import { parseDateCell, parseNumberCell } from './cell-values.ts';
import type { RejectedRow } from './accounts.ts';
import { readCsvTable } from './csv-table.ts';

export interface AccountFieldsResult {
  /** Aggregated values by account id, then field name. */
  values: Map<string, Record<string, FieldValue>>;
  /** Rows that passed the filter and were aggregated. */
  used: number;
  /** Rows that the filter left out. */
  filteredOut: number;
  rejected: RejectedRow[];
}

/**
 * Aggregates the rows of a related table per account, without touching the database. A row
 * whose cell does not convert is rejected with its line and reason and takes no part.
 */
export function aggregateAccountFields(
  csvText: string,
  mapping: AccountFieldsMapping,
): AccountFieldsResult {
  const table = readCsvTable(csvText);
  const columns = new Map(table.header.map((name, index) => [name, index]));
  const needed = [
    mapping.account,
    ...Object.values(mapping.fields).flatMap((f) =>
      [f.column, f.by].filter((c): c is string => !!c),
    ),
  ];
  const missing = needed.filter((column) => !columns.has(column));
  if (missing.length > 0) {
    throw new Error(
      `The CSV has no column ${missing.map((c) => `"${c}"`).join(', ')}; its columns are ${table.header.join(', ')}.`,
    );
  }

  const values = new Map<string, Record<string, FieldValue>>();
  const latestBy = new Map<string, string>();
  const result: AccountFieldsResult = { values, used: 0, filteredOut: 0, rejected: [] };

  for (const row of table.rows) {
    const record = Object.fromEntries(table.header.map((name, i) => [name, row.cells[i] ?? '']));
    if (mapping.filter && !evaluateCondition(mapping.filter, record)) {
      result.filteredOut++;
      continue;
    }
    const accountId = record[mapping.account];
    if (!accountId) {
      result.rejected.push({ line: row.line, reason: `${mapping.account} is empty` });
      continue;
    }

    const converted: Record<string, { value: FieldValue; by?: string }> = {};
    const problems: string[] = [];
    for (const [name, field] of Object.entries(mapping.fields)) {
      const cell = convert(field, record, mapping);
      if (!cell.ok) problems.push(cell.reason);
      else converted[name] = cell;
    }
    if (problems.length > 0) {
      result.rejected.push({ line: row.line, reason: problems.join('; ') });
      continue;
    }

    result.used++;
    const current = values.get(accountId) ?? {};
    for (const [name, field] of Object.entries(mapping.fields)) {
      const { value, by } = converted[name]!;
      const key = `${accountId}\u0000${name}`;
      current[name] = combine(field, current[name], value, by, latestBy.get(key));
      if (field.aggregate === 'latest' && by && (latestBy.get(key) ?? '') <= by)
        latestBy.set(key, by);
    }
    values.set(accountId, current);
  }
  return result;
}

type Converted = { ok: true; value: FieldValue; by?: string } | { ok: false; reason: string };

function convert(
  field: AggregatedField,
  record: Record<string, string>,
  mapping: AccountFieldsMapping,
): Converted {
  if (field.aggregate === 'count') return { ok: true, value: 1 };
  const raw = record[field.column!] ?? '';
  let by: string | undefined;
  if (field.by) {
    const order = parseDateCell(field.by, record[field.by] ?? '', mapping.dateFormat);
    if (!order.ok) return order;
    by = order.value;
  }
  if (raw === '') return { ok: true, value: null, ...(by ? { by } : {}) };
  const cell =
    field.type === 'date'
      ? parseDateCell(field.column!, raw, mapping.dateFormat)
      : field.type === 'number'
        ? parseNumberCell(field.column!, raw)
        : ({ ok: true, value: raw } as const);
  return cell.ok ? { ok: true, value: cell.value, ...(by ? { by } : {}) } : cell;
}

function combine(
  field: AggregatedField,
  current: FieldValue | undefined,
  value: FieldValue,
  by: string | undefined,
  latest: string | undefined,
): FieldValue {
  switch (field.aggregate) {
    case 'count':
      return (typeof current === 'number' ? current : 0) + 1;
    case 'sum':
      return (typeof current === 'number' ? current : 0) + (typeof value === 'number' ? value : 0);
    case 'latest':
      return by !== undefined && (latest === undefined || by >= latest) ? value : (current ?? null);
    case 'min':
    case 'max': {
      if (value === null) return current ?? null;
      if (current === undefined || current === null) return value;
      const smaller = value < current;
      return (field.aggregate === 'min') === smaller ? value : current;
    }
  }
}
