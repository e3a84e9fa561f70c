import type {
  BooleanSpellings,
  DateFormat,
  FieldType,
  FieldValue,
  IsoDate,
  ValueMap,
} from '@milepost/model';

/** A converted cell, or the reason it could not be converted (naming the column and value). */
export type CellResult<T> = { ok: true; value: T } | { ok: false; reason: string };

const DATE_PATTERNS: Record<DateFormat, { pattern: RegExp; order: [number, number, number] }> = {
  // `order` gives the capture group of the year, the month and the day.
  'YYYY-MM-DD': { pattern: /^(\d{4})-(\d{2})-(\d{2})$/, order: [1, 2, 3] },
  'MM/DD/YYYY': { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 1, 2] },
  'DD/MM/YYYY': { pattern: /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/, order: [3, 2, 1] },
};

const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Converts a date cell to `YYYY-MM-DD`. The slash formats accept one-digit months and days, and
 * every format rejects dates that do not exist in the calendar, such as 2023-02-30.
 */
export function parseDateCell(
  column: string,
  raw: string,
  format: DateFormat,
): CellResult<IsoDate> {
  const { pattern, order } = DATE_PATTERNS[format];
  const match = pattern.exec(raw);
  const invalid: CellResult<IsoDate> = {
    ok: false,
    reason: `${column} "${raw}" is not a date written ${format}`,
  };
  if (!match) return invalid;

  const [year, month, day] = order.map((group) => Number(match[group]));
  const date = new Date(Date.UTC(year!, month! - 1, day!));
  const exists =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month! - 1 &&
    date.getUTCDate() === day;
  if (!exists) return invalid;

  return { ok: true, value: date.toISOString().slice(0, 10) };
}

export function parseNumberCell(column: string, raw: string): CellResult<number> {
  if (NUMBER_PATTERN.test(raw)) return { ok: true, value: Number(raw) };
  return {
    ok: false,
    reason:
      `${column} "${raw}" is not a number: ` +
      'expected digits with an optional "." and no thousands separators',
  };
}

/** Reads a boolean cell by the mapping's spellings, compared without case. */
export function parseBooleanCell(
  column: string,
  raw: string,
  spellings: BooleanSpellings,
): CellResult<boolean> {
  const folded = raw.toLowerCase();
  if (spellings.true.some((value) => value.toLowerCase() === folded))
    return { ok: true, value: true };
  if (spellings.false.some((value) => value.toLowerCase() === folded)) {
    return { ok: true, value: false };
  }
  const expected = [...spellings.true, ...spellings.false].join(', ');
  return { ok: false, reason: `${column} "${raw}" is not a boolean: expected one of ${expected}` };
}

/** Converts a custom field cell to its declared type. An empty cell becomes `null`. */
export function parseFieldCell(
  column: string,
  raw: string,
  type: FieldType,
  options: { dateFormat: DateFormat; booleans: BooleanSpellings },
): CellResult<FieldValue> {
  if (raw === '') return { ok: true, value: null };
  switch (type) {
    case 'string':
      return { ok: true, value: raw };
    case 'number':
      return parseNumberCell(column, raw);
    case 'boolean':
      return parseBooleanCell(column, raw, options.booleans);
    case 'date':
      return parseDateCell(column, raw, options.dateFormat);
  }
}

/**
 * Maps a raw value through a value map, comparing keys without case. Without a map the value is
 * kept as written. An empty cell becomes `null`.
 */
export function mapCellValue(
  column: string,
  raw: string,
  values: ValueMap | undefined,
  mapName: string,
): CellResult<string | null> {
  if (raw === '') return { ok: true, value: null };
  if (!values) return { ok: true, value: raw };

  const folded = raw.toLowerCase();
  const key = Object.keys(values).find((candidate) => candidate.toLowerCase() === folded);
  if (key !== undefined) return { ok: true, value: values[key]! };

  const expected = Object.keys(values).join(', ');
  return {
    ok: false,
    reason:
      `${column} "${raw}" is not listed in ${mapName}: ` +
      `expected one of ${expected}, or add it to ${mapName}`,
  };
}
