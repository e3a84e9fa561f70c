import { CsvError, parse } from 'csv-parse/sync';
import type { InfoRecord } from 'csv-parse/sync';

/** One data row of a CSV file, with cells trimmed. */
export interface CsvRow {
  /** 1-based line of the file where the row starts; the header is line 1. */
  line: number;
  cells: string[];
}

export interface CsvTable {
  /** Column names, trimmed. */
  header: string[];
  /** Data rows in file order, without blank rows (every cell empty). */
  rows: CsvRow[];
}

/**
 * Reads CSV text whose first row is the header. Rows with more or fewer cells than the header
 * are kept, for the caller to reject with their line. Throws an `Error` when the text is not
 * valid CSV (an unclosed quote, say) or has no header.
 */
export function readCsvTable(csvText: string): CsvTable {
  // Windows line endings become "\n" first: csv-parse 7 counts a quoted "\r\n" as two lines,
  // which would shift every later line number by one.
  const text = csvText.replace(/\r\n?/g, '\n');

  let records: { record: string[]; info: InfoRecord }[];
  try {
    // With `info: true`, csv-parse returns `{ record, info }` pairs, which its types omit.
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
    }) as unknown as typeof records;
  } catch (error) {
    const reason = error instanceof CsvError ? error.message : String(error);
    throw new Error(`The CSV file could not be read: ${reason}`, { cause: error });
  }

  const [headerRecord, ...dataRecords] = records;
  if (!headerRecord || isBlank(headerRecord.record)) {
    throw new Error('The CSV file is empty: expected a header row with the column names.');
  }

  const rows: CsvRow[] = [];
  for (const { record, info } of dataRecords) {
    const cells = record.map((cell) => cell.trim());
    if (isBlank(cells)) continue;

    // `info.lines` is the line where the record ends, so newlines inside quoted cells are
    // subtracted to get the line where it starts.
    const innerNewlines = record.reduce((count, cell) => count + cell.split('\n').length - 1, 0);
    rows.push({ line: info.lines - innerNewlines, cells });
  }
  return { header: headerRecord.record.map((name) => name.trim()), rows };
}

function isBlank(cells: readonly string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}
