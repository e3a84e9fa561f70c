import type { ComparisonOperator, FieldValue } from '@milepost/model';

/** Account fields every account has, offered as suggestions in field inputs. */
export const KNOWN_FIELDS = [
  'segment',
  'stage',
  'owner',
  'name',
  'id',
  'signup_date',
  'renewal_date',
];

export const OPERATOR_LABELS: Record<ComparisonOperator, string> = {
  eq: 'is',
  neq: 'is not',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  in: 'is one of',
  not_in: 'is none of',
  contains: 'contains',
  exists: 'is set',
  not_exists: 'is not set',
};

/**
 * Reads a value typed into a condition: `true` and `false` become booleans and plain numbers
 * become numbers, because account fields store them so.
 * NOTE: a text field that contains only digits, such as a postal code, cannot be compared as text.
 */
export function parseFieldValue(text: string): FieldValue {
  const trimmed = text.trim();
  if (trimmed === 'true') return true;
  if (trimmed === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  return trimmed;
}

export function formatFieldValue(value: FieldValue | FieldValue[] | undefined): string {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map((item) => formatFieldValue(item)).join(', ');
  return String(value);
}

/** Reads a number input, returning `undefined` for an empty or invalid entry. */
export function parseNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
