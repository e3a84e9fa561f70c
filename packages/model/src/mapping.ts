import { z } from 'zod';
import { Condition } from './condition.ts';

/** Built-in field names of `accountFieldValues`, which no date or custom field may reuse. */
const BUILT_IN_FIELDS = ['id', 'name', 'owner', 'segment', 'stage'];

/** A column of the CSV header, matched exactly after trimming. */
const ColumnName = z.string().trim().min(1);

/** The name of an account date or custom field, as conditions and due rules refer to it. */
const FieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, {
  message: 'Use letters, digits and "_" only, starting with a letter, for example "renewal_date".',
});

/** Date format of the file's date cells. `YYYY-MM-DD` is the ISO 8601 calendar date. */
export const DateFormat = z.enum(['YYYY-MM-DD', 'MM/DD/YYYY', 'DD/MM/YYYY']);
export type DateFormat = z.infer<typeof DateFormat>;

export const FieldType = z.enum(['string', 'number', 'boolean', 'date']);
export type FieldType = z.infer<typeof FieldType>;

/** The column a custom field is read from and the type its cells are converted to. */
export const FieldMapping = z.strictObject({ column: ColumnName, type: FieldType });
export type FieldMapping = z.infer<typeof FieldMapping>;

/** Raw cell values mapped to product values, such as `{ "Basic": "SMB" }`. Keys ignore case. */
export const ValueMap = z
  .record(z.string().trim().min(1), z.string().trim().min(1))
  .superRefine((values, context) => {
    const seen = new Map<string, string>();
    for (const key of Object.keys(values)) {
      const folded = key.toLowerCase();
      const earlier = seen.get(folded);
      if (earlier !== undefined) {
        context.addIssue({
          code: 'custom',
          path: [key],
          message: `"${key}" and "${earlier}" differ only in case, and keys ignore case.`,
        });
      }
      seen.set(folded, key);
    }
  });
export type ValueMap = z.infer<typeof ValueMap>;

export const DEFAULT_BOOLEAN_SPELLINGS = {
  true: ['true', 'yes', '1'],
  false: ['false', 'no', '0'],
};

/** The cell values read as `true` and as `false`, compared without case. */
export const BooleanSpellings = z
  .strictObject({
    true: z.array(z.string().trim().min(1)).min(1),
    false: z.array(z.string().trim().min(1)).min(1),
  })
  .superRefine((spellings, context) => {
    const trueValues = new Set(spellings.true.map((value) => value.toLowerCase()));
    spellings.false.forEach((value, index) => {
      if (!trueValues.has(value.toLowerCase())) return;
      context.addIssue({
        code: 'custom',
        path: ['false', index],
        message: `"${value}" is listed as both true and false.`,
      });
    });
  });
export type BooleanSpellings = z.infer<typeof BooleanSpellings>;

/**
 * Owner assignment by user email, for files without an owner column.
 * - `round_robin`: the users take turns in file order.
 * - `by_segment`: the user named for the account's segment (after `segmentValues`, compared
 *   without case), else `default`.
 */
export const OwnerRule = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('round_robin'),
    users: z.array(z.string().trim().email()).min(1),
  }),
  z.strictObject({
    kind: z.literal('by_segment'),
    segments: z.record(z.string().trim().min(1), z.string().trim().email()),
    default: z.string().trim().email().optional(),
  }),
]);
export type OwnerRule = z.infer<typeof OwnerRule>;

/**
 * A lifecycle stage derived from the imported values when the file has no stage column. The
 * first rule whose condition is true sets the stage. Conditions read the account as
 * `accountFieldValues` flattens it, with converted types (`churn_flag eq true`).
 */
export const DerivedStage = z.strictObject({
  rules: z.array(z.strictObject({ when: Condition, stage: z.string().trim().min(1) })).min(1),
  /** The stage of an account that matches no rule. `null` leaves it without a stage. */
  default: z.string().trim().min(1).nullable().default(null),
});
export type DerivedStage = z.infer<typeof DerivedStage>;

/** Mapping from the columns of an accounts CSV to Milepost accounts. */
export const AccountMapping = z
  .strictObject({
    id: ColumnName,
    name: ColumnName,
    /** The column holding the owner's email. Every email must belong to a known user. */
    owner: ColumnName.optional(),
    ownerRule: OwnerRule.optional(),
    segment: ColumnName.optional(),
    segmentValues: ValueMap.optional(),
    stage: ColumnName.optional(),
    stageValues: ValueMap.optional(),
    stageRules: DerivedStage.optional(),
    /** Account dates by field name, each read from the named column. */
    dates: z.record(FieldName, ColumnName).default({}),
    fields: z.record(FieldName, FieldMapping).default({}),
    booleans: BooleanSpellings.default(DEFAULT_BOOLEAN_SPELLINGS),
    dateFormat: DateFormat.default('YYYY-MM-DD'),
  })
  .superRefine(checkCombinations);
export type AccountMapping = z.infer<typeof AccountMapping>;
/** A mapping as written in a file, before defaults are filled in. */
export type AccountMappingInput = z.input<typeof AccountMapping>;

function checkCombinations(mapping: AccountMapping, context: z.RefinementCtx): void {
  const problem = (path: (string | number)[], message: string) =>
    context.addIssue({ code: 'custom', path, message });

  if (mapping.owner !== undefined && mapping.ownerRule !== undefined) {
    problem(['ownerRule'], 'Give either an owner column or an ownerRule, not both.');
  }
  if (mapping.ownerRule?.kind === 'by_segment' && mapping.segment === undefined) {
    problem(['ownerRule'], 'A by_segment owner rule needs a segment column; set "segment".');
  }
  if (mapping.stage !== undefined && mapping.stageRules !== undefined) {
    problem(['stageRules'], 'Give either a stage column or stageRules, not both.');
  }
  if (mapping.segmentValues !== undefined && mapping.segment === undefined) {
    problem(['segmentValues'], 'segmentValues needs a segment column; set "segment".');
  }
  if (mapping.stageValues !== undefined && mapping.stage === undefined) {
    problem(['stageValues'], 'stageValues needs a stage column; set "stage".');
  }

  for (const name of Object.keys(mapping.dates)) {
    if (BUILT_IN_FIELDS.includes(name)) {
      problem(['dates', name], `"${name}" is a built-in account field, so choose another name.`);
    }
  }
  for (const name of Object.keys(mapping.fields)) {
    if (BUILT_IN_FIELDS.includes(name)) {
      problem(['fields', name], `"${name}" is a built-in account field, so choose another name.`);
    } else if (name in mapping.dates) {
      problem(
        ['fields', name],
        `"${name}" is also a date, but a name can be a date or a field, not both.`,
      );
    }
  }
}

/**
 * Parses an account mapping, throwing an `Error` whose message lists every problem with its path
 * (such as `fields.seats.type`). The `ZodError` is kept as the error's `cause`.
 *
 * NOTE: zod runs the checks across entries (an owner column beside an ownerRule, say) only once
 * every entry has a valid shape, so those problems can show up on a second attempt.
 */
export function parseAccountMapping(
  input: unknown,
  source = 'The account mapping',
): AccountMapping {
  const parsed = AccountMapping.safeParse(input);
  if (parsed.success) return parsed.data;

  const lines = parsed.error.issues.map((issue) => {
    const path = issue.path.join('.') || '(top level)';
    return `  - ${path}: ${issue.message}`;
  });
  throw new Error(`${source} is invalid:\n${lines.join('\n')}`, { cause: parsed.error });
}
