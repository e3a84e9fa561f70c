import { describe, expect, it } from 'vitest';
import { DateTrigger, DeploymentRule, occurrencesBetween } from '../src/index.ts';

/** Parses a trigger as a rule file would give it, so defaults such as `offsetDays` apply. */
const trigger = (input: Omit<DateTrigger, 'kind' | 'offsetDays'> & { offsetDays?: number }) =>
  DateTrigger.parse({ kind: 'date', ...input });

describe('occurrencesBetween', () => {
  it('uses the anchor date without recurrence', () => {
    const once = trigger({ anchor: 'renewal_date', offsetDays: -10 });
    expect(occurrencesBetween(once, '2025-06-15', '2025-06-01', '2025-06-30')).toEqual([
      { occurrenceDate: '2025-06-15', startDate: '2025-06-05' },
    ]);
  });

  it('includes both ends of the range', () => {
    const once = trigger({ anchor: 'renewal_date', offsetDays: -10 });
    expect(occurrencesBetween(once, '2025-06-15', '2025-06-05', '2025-06-05')).toHaveLength(1);
    expect(occurrencesBetween(once, '2025-06-15', '2025-06-06', '2025-06-30')).toEqual([]);
    expect(occurrencesBetween(once, '2025-06-15', '2025-05-01', '2025-06-04')).toEqual([]);
  });

  it('counts the offset from the occurrence', () => {
    const after = trigger({ anchor: 'signup_date', offsetDays: 7 });
    expect(occurrencesBetween(after, '2025-01-28', '2025-01-01', '2025-12-31')).toEqual([
      { occurrenceDate: '2025-01-28', startDate: '2025-02-04' },
    ]);
  });

  it('recurs yearly from the first anniversary', () => {
    const renewal = trigger({ anchor: 'contract_start', every: { months: 12 }, offsetDays: -90 });
    // The anchor itself (start 2021-12-15) is no occurrence. 2024 is a leap year, so 90 days
    // before 15 March is 16 December.
    expect(occurrencesBetween(renewal, '2022-03-15', '2021-01-01', '2025-01-01')).toEqual([
      { occurrenceDate: '2023-03-15', startDate: '2022-12-15' },
      { occurrenceDate: '2024-03-15', startDate: '2023-12-16' },
      { occurrenceDate: '2025-03-15', startDate: '2024-12-15' },
    ]);
  });

  it('keeps only starts inside the range', () => {
    const renewal = trigger({ anchor: 'contract_start', every: { months: 12 }, offsetDays: -90 });
    expect(occurrencesBetween(renewal, '2022-03-15', '2023-01-01', '2024-12-14')).toEqual([
      { occurrenceDate: '2024-03-15', startDate: '2023-12-16' },
    ]);
  });

  it('moves 29 February to 28 February in common years', () => {
    const yearly = trigger({ anchor: 'contract_start', every: { months: 12 } });
    const dates = occurrencesBetween(yearly, '2020-02-29', '2020-01-01', '2028-12-31').map(
      (o) => o.occurrenceDate,
    );
    expect(dates).toEqual([
      '2021-02-28',
      '2022-02-28',
      '2023-02-28',
      '2024-02-29',
      '2025-02-28',
      '2026-02-28',
      '2027-02-28',
      '2028-02-29',
    ]);
  });

  it('counts months from the anchor, not the previous occurrence', () => {
    const monthly = trigger({ anchor: 'contract_start', every: { months: 1 } });
    const dates = occurrencesBetween(monthly, '2025-01-31', '2025-01-01', '2025-05-31').map(
      (o) => o.occurrenceDate,
    );
    expect(dates).toEqual(['2025-02-28', '2025-03-31', '2025-04-30', '2025-05-31']);
  });

  it('stops after the until date', () => {
    const monthly = trigger({
      anchor: 'contract_start',
      every: { months: 1, until: '2025-03-31' },
    });
    const dates = occurrencesBetween(monthly, '2025-01-31', '2025-01-01', '2025-12-31').map(
      (o) => o.occurrenceDate,
    );
    expect(dates).toEqual(['2025-02-28', '2025-03-31']);
  });

  it('compares until with the occurrence, not the start', () => {
    const early = trigger({
      anchor: 'contract_start',
      every: { months: 1, until: '2025-03-31' },
      offsetDays: -20,
    });
    const dates = occurrencesBetween(early, '2025-01-31', '2025-01-01', '2025-12-31').map(
      (o) => o.occurrenceDate,
    );
    expect(dates).toEqual(['2025-02-28', '2025-03-31']);
  });

  it('stops after count occurrences', () => {
    const quarterly = trigger({ anchor: 'contract_start', every: { months: 3, count: 2 } });
    const dates = occurrencesBetween(quarterly, '2024-01-15', '2024-01-01', '2026-12-31').map(
      (o) => o.occurrenceDate,
    );
    expect(dates).toEqual(['2024-04-15', '2024-07-15']);
  });

  it('counts occurrences before the range toward count', () => {
    const quarterly = trigger({ anchor: 'contract_start', every: { months: 3, count: 2 } });
    expect(occurrencesBetween(quarterly, '2024-01-15', '2024-06-01', '2026-12-31')).toEqual([
      { occurrenceDate: '2024-07-15', startDate: '2024-07-15' },
    ]);
  });

  it('recurs every three months', () => {
    const quarterly = trigger({ anchor: 'contract_start', every: { months: 3 } });
    expect(occurrencesBetween(quarterly, '2024-01-15', '2024-01-01', '2024-12-31')).toEqual([
      { occurrenceDate: '2024-04-15', startDate: '2024-04-15' },
      { occurrenceDate: '2024-07-15', startDate: '2024-07-15' },
      { occurrenceDate: '2024-10-15', startDate: '2024-10-15' },
    ]);
  });

  it('returns nothing for a range before the anchor', () => {
    const quarterly = trigger({ anchor: 'contract_start', every: { months: 3 } });
    expect(occurrencesBetween(quarterly, '2024-01-15', '2023-01-01', '2024-04-14')).toEqual([]);
  });
});

describe('DeploymentRule', () => {
  const dateTrigger = { kind: 'date', anchor: 'contract_start', every: { months: 12 } };

  /** Issue messages of a rule that fails to parse, keyed by dotted path. */
  function issuesOf(input: unknown): Record<string, string> {
    const parsed = DeploymentRule.safeParse(input);
    expect(parsed.success).toBe(false);
    return Object.fromEntries(
      (parsed.error?.issues ?? []).map((issue) => [issue.path.join('.'), issue.message]),
    );
  }

  it('fills defaults', () => {
    const rule = DeploymentRule.parse({ id: 'renewal-90-days', trigger: dateTrigger });
    expect(rule.enabled).toBe(true);
    expect(rule.name).toBe('');
    expect(rule.trigger).toMatchObject({ kind: 'date', offsetDays: 0 });
  });

  it.each(['Renewal', 'renewal 90', '-renewal', '', 'qbr.quarterly'])(
    'rejects the id "%s"',
    (id) => {
      const issues = issuesOf({ id, trigger: dateTrigger });
      expect(issues.id).toContain('lowercase letters, digits');
      expect(issues.id).toContain('renewal-90-days');
    },
  );

  it('rejects an unknown trigger kind', () => {
    const issues = issuesOf({ id: 'weekly', trigger: { kind: 'weekly' } });
    const message = issues['trigger.kind'];
    expect(message).toBeDefined();
    for (const kind of ['account_created', 'stage_entered', 'workflow_completed', 'date']) {
      expect(message).toContain(kind);
    }
  });

  it('names a missing trigger field', () => {
    expect(Object.keys(issuesOf({ id: 'renewal', trigger: { kind: 'date' } }))).toEqual([
      'trigger.anchor',
    ]);
    expect(Object.keys(issuesOf({ id: 'stage', trigger: { kind: 'stage_entered' } }))).toEqual([
      'trigger.stage',
    ]);
  });

  it('rejects a recurrence that is not positive', () => {
    const issues = issuesOf({
      id: 'qbr',
      trigger: { ...dateTrigger, every: { months: 0 } },
    });
    expect(Object.keys(issues)).toEqual(['trigger.every.months']);
  });

  it('rejects a malformed until date', () => {
    const issues = issuesOf({
      id: 'qbr',
      trigger: { ...dateTrigger, every: { months: 3, until: '31/12/2025' } },
    });
    expect(issues['trigger.every.until']).toContain('YYYY-MM-DD');
  });
});
