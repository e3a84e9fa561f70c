import { describe, expect, it } from 'vitest';
import {
  checkCompletionOrders,
  checkWorkflow,
  compileWorkflow,
  type CheckOptions,
  type CheckResult,
  type CompiledWorkflow,
  type InstanceSnapshot,
  type Warning,
  type WarningCode,
} from '@milepost/compiler';
import { dateToMs, parseDefinition } from '@milepost/model';
import type { WorkflowDefinitionInput } from '@milepost/model';
import { ENTERPRISE_ONLY, fixtures, layeredFixture, milestone, workflow } from './fixtures.ts';

const startAt = dateToMs('2024-01-01');

const compile = (definition: WorkflowDefinitionInput) =>
  compileWorkflow(parseDefinition(definition));

function check(
  definition: WorkflowDefinitionInput,
  options: Partial<CheckOptions> = {},
): CheckResult {
  return checkWorkflow(compile(definition), { startAt, ...options });
}

function warningsOf(result: CheckResult, code: WarningCode): Warning[] {
  return result.warnings.filter((warning) => warning.code === code);
}

/** Fork and join with a short branch b (3 days) and a long branch c (5 days): 8 days in all. */
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

/** `count` milestones with no dependencies, `m0` to `m<count - 1>`. */
function independent(count: number): WorkflowDefinitionInput {
  return workflow(Array.from({ length: count }, (_, i) => `m${i}`));
}

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

describe('checkWorkflow warnings', () => {
  const enterpriseStep = workflow(
    ['a', milestone('b', { condition: ENTERPRISE_ONLY }), 'c'],
    ['a->b', 'b->c'],
  );

  it('warns when every account skips', () => {
    const result = check(enterpriseStep, {
      accounts: [{ segment: 'SMB' }, { segment: 'Mid-Market' }, {}],
    });

    const warnings = warningsOf(result, 'always_skipped');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.ids).toEqual(['b']);
    expect(warnings[0]!.message).toContain('"b"');
    expect(warnings[0]!.message).toContain('3 current accounts');
  });

  it('no skip warning when one qualifies', () => {
    const result = check(enterpriseStep, {
      accounts: [{ segment: 'SMB' }, { segment: 'Enterprise' }],
    });

    expect(warningsOf(result, 'always_skipped')).toEqual([]);
  });

  it('no skip warning without accounts', () => {
    expect(warningsOf(check(enterpriseStep, { accounts: [] }), 'always_skipped')).toEqual([]);
    expect(warningsOf(check(enterpriseStep), 'always_skipped')).toEqual([]);
  });

  it('warns on a due date before ready', () => {
    // b becomes ready after a's 5 days but falls due 3 days after the start.
    const definition = workflow(
      [
        milestone('a', { targetDays: 5 }),
        milestone('b', { targetDays: 2, due: { kind: 'after_start', days: 3 } }),
      ],
      ['a->b'],
    );

    const warnings = warningsOf(check(definition), 'due_before_ready');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.ids).toEqual(['b']);
    expect(warnings[0]!.message).toContain('2 day(s)');
  });

  it('no due warning with room', () => {
    const definition = workflow(
      [
        milestone('a', { targetDays: 5 }),
        milestone('b', { targetDays: 2, due: { kind: 'after_start', days: 5 } }),
      ],
      ['a->b'],
    );

    expect(warningsOf(check(definition), 'due_before_ready')).toEqual([]);
  });

  it('no due warning when skipped', () => {
    const definition = workflow(
      [
        milestone('a', { targetDays: 5 }),
        milestone('b', {
          targetDays: 2,
          condition: ENTERPRISE_ONLY,
          due: { kind: 'after_start', days: 1 },
        }),
      ],
      ['a->b'],
    );

    const result = check(definition, { account: { segment: 'SMB' } });
    expect(warningsOf(result, 'due_before_ready')).toEqual([]);
  });

  it('warns on a rule nobody meets', () => {
    const result = check(forkJoin(), {
      accounts: [{ segment: 'SMB' }, { segment: 'Mid-Market' }],
      ruleConditions: {
        'enterprise-only': ENTERPRISE_ONLY,
        'any-smb': { field: 'segment', op: 'eq', value: 'SMB' },
      },
    });

    const warnings = warningsOf(result, 'condition_never_met');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.ids).toEqual(['enterprise-only']);
    expect(warnings[0]!.message).toContain('"enterprise-only"');
  });

  it('no rule warning when one meets it', () => {
    const result = check(forkJoin(), {
      accounts: [{ segment: 'Enterprise' }],
      ruleConditions: { 'enterprise-only': ENTERPRISE_ONLY },
    });

    expect(warningsOf(result, 'condition_never_met')).toEqual([]);
  });

  it('warns when over the target', () => {
    const result = check(forkJoin({ targetDays: 7 }));

    const warnings = warningsOf(result, 'over_target');
    expect(result.projection.durationDays).toBe(8);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.ids).toEqual(['a', 'c', 'd']);
    expect(warnings[0]!.ids).toEqual(result.projection.criticalPath);
    expect(warnings[0]!.message).toContain('8 days');
    expect(warnings[0]!.message).toContain('target of 7 days');
  });

  it('no target warning at the target', () => {
    expect(warningsOf(check(forkJoin({ targetDays: 8 })), 'over_target')).toEqual([]);
    expect(warningsOf(check(forkJoin()), 'over_target')).toEqual([]);
  });

  it('no warnings for a plain workflow', () => {
    const result = check(forkJoin({ targetDays: 10 }));

    expect(result.warnings).toEqual([]);
    expect(result.orders).toEqual({ checked: 2, exhaustive: true, failing: null });
  });

  it('warns when an order never completes', () => {
    // The machine is real except that its status stays running after c is completed before b,
    // because a compiled definition cannot express an order that leaves an instance unfinished.
    const real = compile(forkJoin());
    const stuck = new WeakSet<InstanceSnapshot>();
    const broken = Object.create(real) as CompiledWorkflow;
    // `start` reads private fields, so it must run on the real instance.
    broken.start = (account) => real.start(account);
    broken.apply = (snapshot, event) => {
      const next = real.apply(snapshot, event);
      const cBeforeB =
        event.type === 'COMPLETE' &&
        event.milestoneId === 'c' &&
        real.states(snapshot).b !== 'done';
      if (stuck.has(snapshot) || cBeforeB) stuck.add(next);
      return next;
    };
    broken.status = (snapshot) => (stuck.has(snapshot) ? 'running' : real.status(snapshot));

    const result = checkWorkflow(broken, { startAt });

    expect(result.orders.failing).toEqual(['a', 'c', 'b', 'd']);
    expect(result.orders.checked).toBe(2);
    const warnings = warningsOf(result, 'completion_unreachable');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.ids).toEqual(['a', 'c', 'b', 'd']);
    expect(warnings[0]!.message).toContain('a, c, b, d');
  });
});

describe('checkCompletionOrders', () => {
  const count = (definition: WorkflowDefinitionInput, limit = 10_000) =>
    checkCompletionOrders(compile(definition), {}, limit);

  it.each([
    ['one milestone', workflow(['a']), 1],
    ['sequence', workflow(['a', 'b', 'c'], ['a->b', 'b->c']), 1],
    ['two independent', independent(2), 2],
    ['three independent', independent(3), 6],
    ['fork/join', forkJoin(), 2],
    [
      'diamond with shortcut',
      workflow(['a', 'b', 'c', 'd'], ['a->b', 'a->c', 'b->d', 'c->d', 'a->d']),
      2,
    ],
    ['two independent chains', workflow(['a', 'b', 'c', 'd'], ['a->c', 'b->d']), 6],
  ])('counts orders: %s', (_name, definition, orders) => {
    const result = count(definition);

    expect(result.checked).toBe(orders);
    expect(result.exhaustive).toBe(true);
    expect(result.failing).toBeNull();
  });

  it('completes every fixture order', () => {
    for (const fixture of fixtures) {
      if (fixture.disabled || fixture.finalStatus !== 'completed') continue;
      if (fixture.definition.milestones.length > 10) continue;
      const result = checkCompletionOrders(
        compile(fixture.definition),
        fixture.account ?? {},
        10_000,
      );
      expect(result.failing, fixture.name).toBeNull();
      expect(result.exhaustive, fixture.name).toBe(true);
      expect(result.checked, fixture.name).toBeGreaterThan(0);
    }
  });

  it('ticks required items first', () => {
    const definition = workflow(
      [
        milestone('a', {
          checklist: [
            { id: 'must', title: 'Must', required: true },
            { id: 'may', title: 'May', required: false },
          ],
        }),
        'b',
      ],
      ['a->b'],
    );

    expect(count(definition)).toEqual({ checked: 1, exhaustive: true, failing: null });
  });

  it('leaves skipped milestones out', () => {
    const definition = workflow(
      ['a', milestone('b', { condition: ENTERPRISE_ONLY }), milestone('c')],
      ['a->c'],
    );

    const smb = checkCompletionOrders(compile(definition), { segment: 'SMB' }, 100);
    const enterprise = checkCompletionOrders(compile(definition), { segment: 'Enterprise' }, 100);

    // Without b: a then c. With b: b can come first, second or third around a -> c.
    expect(smb.checked).toBe(1);
    expect(enterprise.checked).toBe(3);
  });

  it('is exhaustive at the limit', () => {
    expect(count(independent(2), 2)).toEqual({ checked: 2, exhaustive: true, failing: null });
    expect(count(independent(2), 1)).toEqual({ checked: 1, exhaustive: false, failing: null });
  });

  it('stops a wide graph at the limit', () => {
    expect(factorial(8)).toBeGreaterThan(100);

    const result = count(independent(8), 100);

    expect(result.checked).toBe(100);
    expect(result.exhaustive).toBe(false);
    expect(result.failing).toBeNull();
  });

  it('bounds a large layered graph', () => {
    const { definition } = layeredFixture(12, 5);

    const result = checkWorkflow(compile(definition), { startAt, maxOrders: 50 });

    expect(result.orders.checked).toBe(50);
    expect(result.orders.exhaustive).toBe(false);
    expect(warningsOf(result, 'completion_unreachable')).toEqual([]);
  });
});
