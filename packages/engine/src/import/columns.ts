import type { AccountMapping } from '@milepost/model';

/** Reads one mapped column's trimmed cell from a row. */
export type CellReader = (cells: readonly string[], column: string) => string;

/** Lists every column a mapping reads, with the entry that reads it (such as `fields.seats`). */
export function mappedColumns(mapping: AccountMapping): { column: string; usedBy: string }[] {
  const columns = [
    { column: mapping.id, usedBy: 'id' },
    { column: mapping.name, usedBy: 'name' },
  ];
  if (mapping.owner !== undefined) columns.push({ column: mapping.owner, usedBy: 'owner' });
  if (mapping.segment !== undefined) columns.push({ column: mapping.segment, usedBy: 'segment' });
  if (mapping.stage !== undefined) columns.push({ column: mapping.stage, usedBy: 'stage' });
  for (const [field, column] of Object.entries(mapping.dates)) {
    columns.push({ column, usedBy: `dates.${field}` });
  }
  for (const [field, { column }] of Object.entries(mapping.fields)) {
    columns.push({ column, usedBy: `fields.${field}` });
  }
  return columns;
}

/**
 * Checks that the header has every column the mapping reads, exactly once, and returns a reader
 * for those columns. Throws an `Error` naming the missing or repeated columns and the header.
 */
export function createCellReader(header: readonly string[], mapping: AccountMapping): CellReader {
  const indexByColumn = new Map<string, number>();
  const repeated = new Set<string>();
  header.forEach((name, index) => {
    if (indexByColumn.has(name)) repeated.add(name);
    else indexByColumn.set(name, index);
  });

  const wanted = mappedColumns(mapping);
  const missing = wanted.filter(({ column }) => !indexByColumn.has(column));
  const existing = header.map((name) => `"${name}"`).join(', ');
  if (missing.length > 0) {
    const list = missing.map(({ column, usedBy }) => `"${column}" (for ${usedBy})`).join(', ');
    throw new Error(
      `The CSV header has no column ${list}. Its columns are ${existing}. ` +
        'Correct the column names in the mapping or in the file.',
    );
  }

  const ambiguous = [...new Set(wanted.map(({ column }) => column))].filter((column) =>
    repeated.has(column),
  );
  if (ambiguous.length > 0) {
    const list = ambiguous.map((column) => `"${column}"`).join(', ');
    throw new Error(
      `The CSV header repeats the mapped column ${list}, so its cells are ambiguous. ` +
        'Rename or remove the extra column.',
    );
  }

  return (cells, column) => cells[indexByColumn.get(column)!] ?? '';
}
