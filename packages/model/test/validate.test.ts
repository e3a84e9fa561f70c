import { describe, expect, it } from 'vitest';
import {
  cycleClosedBy,
  DefinitionError,
  evaluateCondition,
  parseDefinition,
  successorsOf,
  validateDefinition,
} from '@milepost/model';
import type {
  AccountFieldValues,
  Condition,
  Problem,
  WorkflowDefinitionInput,
} from '@milepost/model';

type MilestoneInput = WorkflowDefinitionInput['milestones'][number];

function milestone(id: string, extra: Partial<MilestoneInput> = {}): MilestoneInput {
  return { id, name: `Milestone ${id}`, targetDays: 1, ...extra };
}

/** Builds a definition from milestone ids and `from->to` edges. */
function definition(ids: string[], edges: string[] = []): WorkflowDefinitionInput {
  return {
    key: 'onboarding',
    name: 'Onboarding',
    milestones: ids.map((id) => milestone(id)),
    dependencies: edges.map((edge) => {
      const [from = '', to = ''] = edge.split('->');
      return { from, to };
    }),
  };
}

/** Validates `input` and returns its problems, failing the test when it is valid. */
function problemsOf(input: unknown): Problem[] {
  const result = validateDefinition(input);
  expect(result.ok).toBe(false);
  return result.problems;
}

describe('validateDefinition', () => {
  it('accepts a valid definition', () => {
    const result = validateDefinition(definition(['a', 'b', 'c'], ['a->b', 'a->c']));

    expect(result.ok).toBe(true);
    expect(result.problems).toEqual([]);
    expect(result.definition?.milestones.map((m) => m.id)).toEqual(['a', 'b', 'c']);
  });

  it('fills in defaults', () => {
    const result = validateDefinition(definition(['a']));

    const [parsed] = result.definition?.milestones ?? [];
    expect(parsed?.checklist).toEqual([]);
    expect(parsed?.assignee).toEqual({ kind: 'account_owner' });
    expect(result.definition?.dependencies).toEqual([]);
  });

  it('rejects a cycle with its path', () => {
    const problems = problemsOf(definition(['a', 'b', 'c'], ['a->b', 'b->c', 'c->a']));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('cycle');
    expect(problems[0]?.ids).toEqual(['a', 'b', 'c', 'a']);
    expect(problems[0]?.message).toContain('a -> b -> c -> a');
  });

  it('rejects a self-loop', () => {
    const problems = problemsOf(definition(['a', 'b'], ['a->b', 'b->b']));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('cycle');
    expect(problems[0]?.ids).toEqual(['b', 'b']);
  });

  it('reports each separate cycle', () => {
    const problems = problemsOf(
      definition(['a', 'b', 'c', 'd', 'e'], ['a->b', 'b->a', 'c->d', 'd->e', 'e->c']),
    );

    expect(problems.map((problem) => problem.code)).toEqual(['cycle', 'cycle']);
    expect(problems.map((problem) => problem.ids)).toEqual([
      ['a', 'b', 'a'],
      ['c', 'd', 'e', 'c'],
    ]);
  });

  it('finds a cycle behind an acyclic entry', () => {
    const problems = problemsOf(definition(['start', 'x', 'y'], ['start->x', 'x->y', 'y->x']));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.ids).toEqual(['x', 'y', 'x']);
  });

  it('rejects a dependency on a missing milestone', () => {
    const problems = problemsOf(definition(['a', 'b'], ['a->b', 'b->ghost']));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('missing_dependency');
    expect(problems[0]?.ids).toEqual(['b', 'ghost']);
    expect(problems[0]?.path).toBe('dependencies.1');
    expect(problems[0]?.message).toContain('"ghost"');
  });

  it('reports both ends of a dangling edge', () => {
    const problems = problemsOf(definition(['a'], ['x->y']));

    expect(problems.map((problem) => problem.code)).toEqual([
      'missing_dependency',
      'missing_dependency',
    ]);
    expect(problems[0]?.message).toContain('"x"');
    expect(problems[1]?.message).toContain('"y"');
  });

  it('rejects duplicate milestone ids', () => {
    const problems = problemsOf(definition(['a', 'b', 'a']));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('duplicate_id');
    expect(problems[0]?.ids).toEqual(['a']);
    expect(problems[0]?.path).toBe('milestones.2.id');
  });

  it('rejects a duplicate dependency', () => {
    const problems = problemsOf(definition(['a', 'b'], ['a->b', 'a->b']));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('duplicate_dependency');
    expect(problems[0]?.ids).toEqual(['a', 'b']);
  });

  it('rejects duplicate checklist item ids', () => {
    const items = [
      { id: 'kickoff', title: 'Kickoff call' },
      { id: 'kickoff', title: 'Kickoff email' },
    ];
    const problems = problemsOf({
      ...definition([]),
      milestones: [milestone('a', { checklist: items })],
    });

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('duplicate_item_id');
    expect(problems[0]?.ids).toEqual(['a', 'kickoff']);
  });

  it('rejects a blank milestone name', () => {
    const input = { ...definition([]), milestones: [milestone('a', { name: '  ' })] };
    const problems = problemsOf(input);

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('missing_name');
    expect(problems[0]?.ids).toEqual(['a']);
    expect(problems[0]?.path).toBe('milestones.0.name');
  });

  it('rejects an absent milestone name as a bad field', () => {
    const input = { ...definition([]), milestones: [{ id: 'a', targetDays: 1 }] };
    const problems = problemsOf(input);

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('invalid_field');
    expect(problems[0]?.ids).toEqual(['a']);
    expect(problems[0]?.path).toBe('milestones.0.name');
  });

  it('rejects an empty workflow', () => {
    const problems = problemsOf(definition([]));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('empty_workflow');
    expect(problems[0]?.ids).toEqual([]);
    expect(problems[0]?.message).toContain('"onboarding"');
  });

  it('rejects a negative targetDays', () => {
    const input = {
      ...definition([]),
      milestones: [milestone('a'), milestone('kickoff', { targetDays: -2 })],
    };
    const problems = problemsOf(input);

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('invalid_field');
    expect(problems[0]?.ids).toEqual(['kickoff']);
    expect(problems[0]?.path).toBe('milestones.1.targetDays');
    expect(problems[0]?.message).toContain('"kickoff"');
  });

  it('rejects a malformed milestone id', () => {
    const problems = problemsOf(definition(['has space']));

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('invalid_field');
    expect(problems[0]?.path).toBe('milestones.0.id');
  });

  it('reports every bad field at once', () => {
    const input = {
      key: 'Not A Key',
      name: 'Onboarding',
      milestones: [
        milestone('a', { targetDays: -1 }),
        { ...milestone('b'), due: { kind: 'soon', days: 1 } },
      ],
    };
    const problems = problemsOf(input);

    expect(problems.map((problem) => problem.code)).toEqual([
      'invalid_field',
      'invalid_field',
      'invalid_field',
    ]);
    expect(problems.map((problem) => problem.path)).toEqual([
      'key',
      'milestones.0.targetDays',
      'milestones.1.due.kind',
    ]);
    expect(problems.map((problem) => problem.ids)).toEqual([[], ['a'], ['b']]);
  });

  it('rejects input that is not an object', () => {
    const problems = problemsOf(null);

    expect(problems).toHaveLength(1);
    expect(problems[0]?.code).toBe('invalid_field');
    expect(problems[0]?.message).toContain('the definition');
  });

  it('reports several graph problems at once', () => {
    const input: WorkflowDefinitionInput = {
      key: 'onboarding',
      name: 'Onboarding',
      milestones: [
        milestone('a'),
        milestone('b', { name: '' }),
        milestone('c'),
        milestone('a'),
        milestone('d'),
      ],
      dependencies: [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'b' },
        { from: 'd', to: 'ghost' },
        { from: 'a', to: 'b' },
      ],
    };
    const problems = problemsOf(input);

    expect(problems.map((problem) => problem.code)).toEqual([
      'missing_name',
      'duplicate_id',
      'missing_dependency',
      'duplicate_dependency',
      'cycle',
    ]);
    expect(problems.map((problem) => problem.ids)).toEqual([
      ['b'],
      ['a'],
      ['d', 'ghost'],
      ['a', 'b'],
      ['b', 'c', 'b'],
    ]);
    for (const problem of problems) expect(problem.message).not.toBe('');
  });

  it('reports a cycle next to a bad field', () => {
    const input = {
      ...definition(['a', 'b'], ['a->b', 'b->a']),
      milestones: [milestone('a', { targetDays: -1 }), milestone('b')],
    };
    const problems = problemsOf(input);

    expect(problems.map((problem) => problem.code)).toEqual(['invalid_field', 'cycle']);
  });
});

describe('parseDefinition', () => {
  it('returns the parsed definition', () => {
    const parsed = parseDefinition(definition(['a', 'b'], ['a->b']));

    expect(parsed.dependencies).toEqual([{ from: 'a', to: 'b' }]);
  });

  it('throws every problem in one error', () => {
    const input = { ...definition(['a', 'a'], ['a->ghost']), name: 'Onboarding' };

    let error: unknown;
    try {
      parseDefinition(input, 'onboarding.json');
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(DefinitionError);
    const problems = (error as DefinitionError).problems;
    expect(problems.map((problem) => problem.code)).toEqual(['duplicate_id', 'missing_dependency']);
    expect((error as Error).message).toMatch(/^onboarding\.json is invalid:/);
    expect((error as Error).message).toContain('[duplicate_id]');
    expect((error as Error).message).toContain('[missing_dependency]');
  });
});

describe('cycleClosedBy', () => {
  const graph = successorsOf(
    ['a', 'b', 'c', 'd'],
    [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
      { from: 'a', to: 'd' },
    ],
  );

  it('returns the cycle a back edge closes', () => {
    expect(cycleClosedBy(graph, 'c', 'a')).toEqual(['c', 'a', 'b', 'c']);
  });

  it('returns a self-loop as a cycle', () => {
    expect(cycleClosedBy(graph, 'b', 'b')).toEqual(['b', 'b']);
  });

  it('returns null for a forward edge', () => {
    expect(cycleClosedBy(graph, 'a', 'c')).toBeNull();
  });

  it('returns null between parallel branches', () => {
    expect(cycleClosedBy(graph, 'd', 'c')).toBeNull();
    expect(cycleClosedBy(graph, 'c', 'd')).toBeNull();
  });
});

describe('evaluateCondition', () => {
  const account: AccountFieldValues = {
    segment: 'Enterprise',
    seats: 250,
    trial: false,
    region: null,
    notes: '',
    plan: 'Premium Support Plus',
    renewal_date: '2025-03-31',
  };

  const cases: [label: string, condition: Condition, expected: boolean][] = [
    ['eq ignores case', { field: 'segment', op: 'eq', value: 'enterprise' }, true],
    ['eq on a number', { field: 'seats', op: 'eq', value: 250 }, true],
    ['eq keeps types apart', { field: 'seats', op: 'eq', value: '250' }, false],
    ['eq on a boolean', { field: 'trial', op: 'eq', value: false }, true],
    ['eq on a missing field', { field: 'industry', op: 'eq', value: null }, true],
    ['eq with a list', { field: 'segment', op: 'eq', value: ['Enterprise'] }, false],
    ['neq on a match', { field: 'segment', op: 'neq', value: 'ENTERPRISE' }, false],
    ['neq on another value', { field: 'segment', op: 'neq', value: 'SMB' }, true],
    ['neq on a missing field', { field: 'industry', op: 'neq', value: 'Retail' }, true],
    ['gt above', { field: 'seats', op: 'gt', value: 100 }, true],
    ['gt at the value', { field: 'seats', op: 'gt', value: 250 }, false],
    ['gte at the value', { field: 'seats', op: 'gte', value: 250 }, true],
    ['gte below', { field: 'seats', op: 'gte', value: 251 }, false],
    ['lt below', { field: 'seats', op: 'lt', value: 251 }, true],
    ['lt at the value', { field: 'seats', op: 'lt', value: 250 }, false],
    ['lte at the value', { field: 'seats', op: 'lte', value: 250 }, true],
    ['lte above', { field: 'seats', op: 'lte', value: 249 }, false],
    ['lt on ISO dates', { field: 'renewal_date', op: 'lt', value: '2025-04-01' }, true],
    ['gt across types', { field: 'seats', op: 'gt', value: '100' }, false],
    ['gt on a null field', { field: 'region', op: 'gt', value: 0 }, false],
    ['lt on a missing field', { field: 'industry', op: 'lt', value: 10 }, false],
    ['in a list', { field: 'segment', op: 'in', value: ['SMB', 'enterprise'] }, true],
    ['in a list without it', { field: 'segment', op: 'in', value: ['SMB', 'Mid-market'] }, false],
    ['in without a list', { field: 'segment', op: 'in', value: 'Enterprise' }, false],
    ['not_in a list without it', { field: 'segment', op: 'not_in', value: ['SMB'] }, true],
    ['not_in a list', { field: 'segment', op: 'not_in', value: ['ENTERPRISE'] }, false],
    ['not_in without a list', { field: 'segment', op: 'not_in', value: 'SMB' }, false],
    ['contains ignores case', { field: 'plan', op: 'contains', value: 'support' }, true],
    ['contains a missing part', { field: 'plan', op: 'contains', value: 'Basic' }, false],
    ['contains on a number', { field: 'seats', op: 'contains', value: '25' }, false],
    ['exists on a value', { field: 'segment', op: 'exists' }, true],
    ['exists on false', { field: 'trial', op: 'exists' }, true],
    ['exists on null', { field: 'region', op: 'exists' }, false],
    ['exists on empty text', { field: 'notes', op: 'exists' }, false],
    ['exists on a missing field', { field: 'industry', op: 'exists' }, false],
    ['not_exists on empty text', { field: 'notes', op: 'not_exists' }, true],
    ['not_exists on a missing field', { field: 'industry', op: 'not_exists' }, true],
    ['not_exists on a value', { field: 'seats', op: 'not_exists' }, false],
  ];

  it.each(cases)('%s', (_label, condition, expected) => {
    expect(evaluateCondition(condition, account)).toBe(expected);
  });

  const isEnterprise: Condition = { field: 'segment', op: 'eq', value: 'Enterprise' };
  const isSmall: Condition = { field: 'seats', op: 'lt', value: 50 };
  const isTrial: Condition = { field: 'trial', op: 'eq', value: true };

  it('all requires every part', () => {
    const isLarge: Condition = { field: 'seats', op: 'gte', value: 100 };

    expect(evaluateCondition({ all: [isEnterprise, isLarge] }, account)).toBe(true);
    expect(evaluateCondition({ all: [isEnterprise, isSmall] }, account)).toBe(false);
  });

  it('any requires one part', () => {
    expect(evaluateCondition({ any: [isSmall, isEnterprise] }, account)).toBe(true);
    expect(evaluateCondition({ any: [isSmall, isTrial] }, account)).toBe(false);
  });

  it('treats empty groups as all true, any false', () => {
    expect(evaluateCondition({ all: [] }, account)).toBe(true);
    expect(evaluateCondition({ any: [] }, account)).toBe(false);
  });

  it('evaluates nested groups', () => {
    const condition: Condition = { all: [isEnterprise, { any: [isSmall, { all: [] }] }] };
    const nestedFalse: Condition = { any: [isTrial, { all: [isEnterprise, isSmall] }] };

    expect(evaluateCondition(condition, account)).toBe(true);
    expect(evaluateCondition(nestedFalse, account)).toBe(false);
  });
});
