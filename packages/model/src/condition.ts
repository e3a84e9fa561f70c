import { z } from 'zod';

export const ComparisonOperator = z.enum([
  'eq',
  'neq',
  'gt',
  'gte',
  'lt',
  'lte',
  'in',
  'not_in',
  'contains',
  'exists',
  'not_exists',
]);
export type ComparisonOperator = z.infer<typeof ComparisonOperator>;

export type FieldValue = string | number | boolean | null;
export const FieldValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One test of an account field, such as `segment eq "Enterprise"`. */
export const FieldComparison = z.object({
  field: z.string().min(1),
  op: ComparisonOperator,
  value: z.union([FieldValue, z.array(FieldValue)]).optional(),
});
export type FieldComparison = z.infer<typeof FieldComparison>;

/** A condition over account fields: a comparison, or an AND (`all`) / OR (`any`) group. */
export type Condition = FieldComparison | { all: Condition[] } | { any: Condition[] };

export const Condition: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    FieldComparison.strict(),
    z.object({ all: z.array(Condition) }).strict(),
    z.object({ any: z.array(Condition) }).strict(),
  ]),
);

/** Account fields flattened to one record: built-in fields, dates and custom fields by name. */
export type AccountFieldValues = Readonly<Record<string, FieldValue>>;

/** Evaluates a condition against an account's fields; a missing field compares as `null`. */
export function evaluateCondition(condition: Condition, fields: AccountFieldValues): boolean {
  if ('all' in condition) return condition.all.every((part) => evaluateCondition(part, fields));
  if ('any' in condition) return condition.any.some((part) => evaluateCondition(part, fields));
  return compare(fields[condition.field] ?? null, condition.op, condition.value);
}

function compare(
  actual: FieldValue,
  op: ComparisonOperator,
  expected: FieldValue | FieldValue[] | undefined,
): boolean {
  switch (op) {
    case 'exists':
      return actual !== null && actual !== '';
    case 'not_exists':
      return actual === null || actual === '';
    case 'in':
      return Array.isArray(expected) && expected.some((value) => looselyEqual(actual, value));
    case 'not_in':
      return Array.isArray(expected) && !expected.some((value) => looselyEqual(actual, value));
    case 'contains':
      return (
        typeof actual === 'string' &&
        typeof expected === 'string' &&
        actual.toLowerCase().includes(expected.toLowerCase())
      );
    case 'eq':
      return !Array.isArray(expected) && looselyEqual(actual, expected ?? null);
    case 'neq':
      return !Array.isArray(expected) && !looselyEqual(actual, expected ?? null);
    default:
      return order(actual, op, Array.isArray(expected) ? null : (expected ?? null));
  }
}

/** Strings compare without regard to case, so `enterprise` matches `Enterprise`. */
function looselyEqual(left: FieldValue, right: FieldValue): boolean {
  if (typeof left === 'string' && typeof right === 'string') {
    return left.toLowerCase() === right.toLowerCase();
  }
  return left === right;
}

function order(actual: FieldValue, op: ComparisonOperator, expected: FieldValue): boolean {
  if (actual === null || expected === null) return false;
  if (typeof actual !== typeof expected) return false;
  if (op === 'gt') return actual > expected;
  if (op === 'gte') return actual >= expected;
  if (op === 'lt') return actual < expected;
  return actual <= expected;
}
