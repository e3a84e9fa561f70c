/** A cell of a CSV file; `null` and `undefined` become empty fields. */
export type CsvValue = string | number | null | undefined;

/** A table ready for export: column names and one array of cells per row. */
export interface CsvTable {
  header: readonly string[];
  rows: readonly (readonly CsvValue[])[];
}

/**
 * Formats one field as RFC 4180 specifies: a field containing a comma, a double quote, a carriage return
 * or a newline is wrapped in double quotes, and each quote inside is doubled.
 */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Formats a table as CSV text, with CRLF line endings and a header line. */
export function toCsv(table: CsvTable): string {
  const lines = [table.header, ...table.rows].map((row) => row.map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** Starts a download of `table` as a CSV file named `filename`, built in the browser. */
export function downloadCsv(filename: string, table: CsvTable): void {
  const blob = new Blob([toCsv(table)], { type: 'text/csv;charset=utf-8' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
