import { describe, expect, it } from 'vitest';
import { compileWorkflow, projectedDate, projectSchedule } from '@milepost/compiler';
import type { ProjectedMilestone, Projection, ProjectionOptions } from '@milepost/compiler';
import { dateToMs, parseDefinition } from '@milepost/model';
import type { DueRule, WorkflowDefinitionInput } from '@milepost/model';
import { ENTERPRISE_ONLY, milestone, workflow } from './fixtures.ts';

const startAt = dateToMs('2024-01-01');

/** Builds a fork/join with a short branch b (3 days) and a long branch c (5 days). */
function forkJoin(extra: Partial<WorkflowDefinitionInput> = {}): WorkflowDefinitionInput {
  return {
    ...workflow(
      [
        milestone('a', { targetDays: 2 }),
        milestone('b', { targetDays: 3 }),
        milestone('c', { targetDays: 5 }),
        milestone('d', { targetDays: 1 }),
      ],
      ['a->b', 'a->c', 'b->d', 'c->d'],
    ),
    ...extra,
  };
}

function project(
  definition: WorkflowDefinitionInput,
  options: Partial<ProjectionOptions> = {},
): Projection {
  const compiled = compileWorkflow(parseDefinition(definition));
  return projectSchedule(compiled.graph, { startAt, ...options });
}

function byId(projection: Projection, id: string): ProjectedMilestone {
  const found = projection.milestones.find((m) => m.id === id);
  if (!found) throw new Error(`The projection has no milestone "${id}".`);
  return found;
}

/** Returns the ready, done and due dates of every milestone, by id. */
function dates(projection: Projection): Record<string, [string, string, string | null]> {
  return Object.fromEntries(
    projection.milestones.map((m) => [
      m.id,
      [
        projectedDate(m.readyAt),
        projectedDate(m.doneAt),
        m.dueAt === null ? null : projectedDate(m.dueAt),
      ],
    ]),
  );
}

describe('projectSchedule', () => {
  it('projects ready and done dates', () => {
    const projection = project(forkJoin());

    expect(dates(projection)).toEqual({
      a: ['2024-01-01', '2024-01-03', '2024-01-03'],
      b: ['2024-01-03', '2024-01-06', '2024-01-06'],
      c: ['2024-01-03', '2024-01-08', '2024-01-08'],
      d: ['2024-01-08', '2024-01-09', '2024-01-09'],
    });
  });

  it('follows the longer branch on the critical path', () => {
    const projection = project(forkJoin());

    expect(projection.criticalPath).toEqual(['a', 'c', 'd']);
    expect(projection.milestones.filter((m) => m.critical).map((m) => m.id)).toEqual([
      'a',
      'c',
      'd',
    ]);
  });

  it('gives the shorter branch slack', () => {
    const projection = project(forkJoin());

    expect(byId(projection, 'b').slackDays).toBe(2);
    expect(byId(projection, 'a').slackDays).toBe(0);
    expect(byId(projection, 'c').slackDays).toBe(0);
    expect(byId(projection, 'd').slackDays).toBe(0);
  });

  it('projects the end', () => {
    const projection = project(forkJoin());

    expect(projection.startAt).toBe(startAt);
    expect(projectedDate(projection.endAt)).toBe('2024-01-09');
    expect(projection.durationDays).toBe(8);
  });

  it('flags a projection over target', () => {
    const over = project(forkJoin({ targetDays: 7 }));
    const exact = project(forkJoin({ targetDays: 8 }));
    const none = project(forkJoin());

    expect(over.targetDays).toBe(7);
    expect(over.overTarget).toBe(true);
    expect(exact.overTarget).toBe(false);
    expect(none.targetDays).toBeNull();
    expect(none.overTarget).toBe(false);
  });

  it('projects a single milestone', () => {
    const projection = project(workflow([milestone('only', { targetDays: 4 })]));

    expect(projection.criticalPath).toEqual(['only']);
    expect(projection.durationDays).toBe(4);
  });
});

describe('projectSchedule with skipped milestones', () => {
  const conditional = forkJoin();
  conditional.milestones[2] = milestone('c', { targetDays: 5, condition: ENTERPRISE_ONLY });

  it('skipped milestones take no time', () => {
    const projection = project(conditional, { account: { segment: 'SMB' } });
    const c = byId(projection, 'c');

    expect(c.skipped).toBe(true);
    expect(c.doneAt).toBe(c.readyAt);
    expect(c.dueAt).toBeNull();
    expect(dates(projection).d).toEqual(['2024-01-06', '2024-01-07', '2024-01-07']);
    expect(projection.durationDays).toBe(6);
  });

  it('moves the critical path off a skipped branch', () => {
    const projection = project(conditional, { account: { segment: 'SMB' } });

    expect(projection.criticalPath).toEqual(['a', 'b', 'd']);
    expect(byId(projection, 'b').slackDays).toBe(0);
    expect(byId(projection, 'c').slackDays).toBe(3);
  });

  it('keeps a milestone whose condition is true', () => {
    const projection = project(conditional, { account: { segment: 'Enterprise' } });

    expect(byId(projection, 'c').skipped).toBe(false);
    expect(projection.durationDays).toBe(8);
  });

  it('skips a milestone without account fields', () => {
    const projection = project(conditional);

    expect(byId(projection, 'c').skipped).toBe(true);
  });

  it('passes through a chain of skipped milestones', () => {
    const chain = workflow(
      [
        milestone('a', { targetDays: 2 }),
        milestone('b', { targetDays: 4, condition: ENTERPRISE_ONLY }),
        milestone('c', { targetDays: 6, condition: ENTERPRISE_ONLY }),
        milestone('d', { targetDays: 1 }),
      ],
      ['a->b', 'b->c', 'c->d'],
    );
    const projection = project(chain, { account: { segment: 'SMB' } });

    expect(dates(projection).d).toEqual(['2024-01-03', '2024-01-04', '2024-01-04']);
    expect(projection.durationDays).toBe(3);
  });
});

describe('projectSchedule due rules', () => {
  /** Returns the due date of fork/join milestone c under `due`. It becomes ready on 2024-01-03. */
  function dueOfC(due: DueRule | undefined, options: Partial<ProjectionOptions> = {}) {
    const definition = forkJoin();
    definition.milestones[2] = milestone('c', { targetDays: 5, due });
    const dueAt = byId(project(definition, options), 'c').dueAt;
    return dueAt === null ? null : projectedDate(dueAt);
  }

  it('defaults to the target after ready', () => {
    expect(dueOfC(undefined)).toBe('2024-01-08');
  });

  it('rounds a fractional target up', () => {
    const definition = forkJoin();
    definition.milestones[2] = milestone('c', { targetDays: 2.5 });
    const c = byId(project(definition), 'c');

    expect(c.doneAt).toBe(dateToMs('2024-01-05') + 12 * 3_600_000);
    expect(projectedDate(c.dueAt!)).toBe('2024-01-06');
  });

  it('counts after_ready from ready', () => {
    expect(dueOfC({ kind: 'after_ready', days: 10 })).toBe('2024-01-13');
  });

  it('counts after_start from the start', () => {
    expect(dueOfC({ kind: 'after_start', days: 4 })).toBe('2024-01-05');
  });

  it('counts account_date back from renewal', () => {
    const due: DueRule = { kind: 'account_date', field: 'renewal_date', days: -30 };

    expect(dueOfC(due, { account: { renewal_date: '2024-06-30' } })).toBe('2024-05-31');
  });

  it('returns null without the account date', () => {
    const due: DueRule = { kind: 'account_date', field: 'renewal_date', days: -30 };

    expect(dueOfC(due)).toBeNull();
    expect(dueOfC(due, { account: { renewal_date: null } })).toBeNull();
    expect(dueOfC(due, { account: { renewal_date: 20240630 } })).toBeNull();
    expect(dueOfC(due, { account: { renewal_date: 'June 30' } })).toBeNull();
  });

  it('counts anchor from the anchor date', () => {
    const due: DueRule = { kind: 'anchor', days: -90 };

    expect(dueOfC(due, { anchorDate: '2024-12-31' })).toBe('2024-10-02');
    expect(dueOfC({ kind: 'anchor', days: 0 }, { anchorDate: '2024-12-31' })).toBe('2024-12-31');
  });

  it('returns null for anchor without an anchor date', () => {
    expect(dueOfC({ kind: 'anchor', days: -90 })).toBeNull();
  });
});
