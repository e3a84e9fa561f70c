import { describe, expect, it } from 'vitest';
import { compileWorkflow, EventRejectedError } from '@milepost/compiler';
import type {
  CompiledWorkflow,
  InstanceEvent,
  InstanceSnapshot,
  MilestoneState,
} from '@milepost/compiler';
import { parseDefinition } from '@milepost/model';
import type { AccountFieldValues, WorkflowDefinitionInput } from '@milepost/model';
import { ENTERPRISE_ONLY, fixtures, milestone, workflow } from './fixtures.ts';

type States = Record<string, MilestoneState>;

function compile(definition: WorkflowDefinitionInput): CompiledWorkflow {
  return compileWorkflow(parseDefinition(definition));
}

/** Returns the ids in `state`, sorted. */
function idsIn(states: States, state: MilestoneState): string[] {
  return Object.keys(states)
    .filter((id) => states[id] === state)
    .sort();
}

/** Returns the ids that are in `state` after but were not before, sorted. */
function movedTo(before: States, after: States, state: MilestoneState): string[] {
  return idsIn(after, state).filter((id) => before[id] !== state);
}

/** Starts an instance and applies `events` in order. */
function run(
  compiled: CompiledWorkflow,
  events: InstanceEvent[],
  account?: AccountFieldValues,
): InstanceSnapshot {
  let snapshot = compiled.start(account);
  for (const event of events) snapshot = compiled.apply(snapshot, event);
  return snapshot;
}

/** Applies an event that must be rejected and returns the error. */
function rejection(
  compiled: CompiledWorkflow,
  snapshot: InstanceSnapshot,
  event: InstanceEvent,
): EventRejectedError {
  try {
    compiled.apply(snapshot, event);
  } catch (error) {
    expect(error).toBeInstanceOf(EventRejectedError);
    return error as EventRejectedError;
  }
  throw new Error(`Expected ${JSON.stringify(event)} to be rejected, but it was applied.`);
}

const complete = (milestoneId: string): InstanceEvent => ({ type: 'COMPLETE', milestoneId });
const start = (milestoneId: string): InstanceEvent => ({ type: 'START', milestoneId });
const skip = (milestoneId: string): InstanceEvent => ({ type: 'SKIP', milestoneId });
const toggle = (milestoneId: string, itemId: string, done = true): InstanceEvent => ({
  type: 'TOGGLE_ITEM',
  milestoneId,
  itemId,
  done,
});

const forkJoin = workflow(['a', 'b', 'c', 'd'], ['a->b', 'a->c', 'b->d', 'c->d']);

/** `setup` has two required items and an optional one, and `review` follows it. */
const checklist = workflow(
  [
    milestone('setup', {
      checklist: [
        { id: 'sso', title: 'Configure SSO' },
        { id: 'data', title: 'Import data' },
        { id: 'tour', title: 'Product tour', required: false },
      ],
    }),
    'review',
  ],
  ['setup->review'],
);

describe('compiled machine fixtures', () => {
  for (const fixture of fixtures) {
    it.skipIf(fixture.disabled !== undefined)(fixture.name, () => {
      const compiled = compile(fixture.definition);
      let snapshot = compiled.start(fixture.account);
      const initial = compiled.states(snapshot);

      expect(idsIn(initial, 'ready'), 'ready at start').toEqual([...fixture.readyAtStart].sort());
      expect(idsIn(initial, 'skipped'), 'skipped at start').toEqual(
        [...(fixture.skippedAtStart ?? [])].sort(),
      );

      for (const [index, step] of fixture.steps.entries()) {
        const label = `step ${index} ${JSON.stringify(step.event)}`;
        const before = compiled.states(snapshot);
        snapshot = compiled.apply(snapshot, step.event);
        const after = compiled.states(snapshot);

        expect(movedTo(before, after, 'ready'), `ready after ${label}`).toEqual(
          [...step.ready].sort(),
        );
        expect(movedTo(before, after, 'skipped'), `skipped after ${label}`).toEqual(
          [...(step.skipped ?? [])].sort(),
        );
      }

      expect(compiled.status(snapshot)).toBe(fixture.finalStatus);
      if (fixture.finalStatus === 'completed') {
        const open = Object.entries(compiled.states(snapshot)).filter(
          ([, state]) => state !== 'done' && state !== 'skipped',
        );
        expect(open).toEqual([]);
      }
    });
  }
});

describe('CompiledWorkflow.start', () => {
  it('keeps only the fields conditions read', () => {
    const compiled = compile(workflow([milestone('a', { condition: ENTERPRISE_ONLY })]));
    const snapshot = compiled.start({ segment: 'Enterprise', name: 'Acme', seats: 3 });

    expect(compiled.conditionFields).toEqual(['segment']);
    expect(snapshot.context.account).toEqual({ segment: 'Enterprise' });
  });

  it('reads a missing condition field as null', () => {
    const compiled = compile(workflow([milestone('a', { condition: ENTERPRISE_ONLY }), 'b']));
    const snapshot = compiled.start({});

    expect(snapshot.context.account).toEqual({ segment: null });
    expect(compiled.states(snapshot)).toEqual({ a: 'skipped', b: 'ready' });
  });
});

describe('checklist', () => {
  const compiled = compile(checklist);

  it('completion needs every required item', () => {
    const snapshot = run(compiled, [toggle('setup', 'sso')]);
    const error = rejection(compiled, snapshot, complete('setup'));

    expect(error.reason).toContain('"Import data"');
    expect(error.reason).not.toContain('"Configure SSO"');
    expect(error.reason).not.toContain('Product tour');
  });

  it('completes without optional items', () => {
    const snapshot = run(compiled, [
      toggle('setup', 'sso'),
      toggle('setup', 'data'),
      complete('setup'),
    ]);

    expect(compiled.items(snapshot, 'setup')).toEqual({ sso: true, data: true });
    expect(compiled.states(snapshot)).toEqual({ setup: 'done', review: 'ready' });
  });

  it('ticking an item makes a ready milestone active', () => {
    const snapshot = run(compiled, [toggle('setup', 'tour')]);

    expect(compiled.states(snapshot).setup).toBe('active');
    expect(compiled.items(snapshot, 'setup')).toEqual({ tour: true });
  });

  it('unticks an item', () => {
    const snapshot = run(compiled, [
      toggle('setup', 'sso'),
      toggle('setup', 'data'),
      toggle('setup', 'data', false),
    ]);

    expect(compiled.states(snapshot).setup).toBe('active');
    expect(compiled.items(snapshot, 'setup')).toEqual({ sso: true, data: false });
    expect(rejection(compiled, snapshot, complete('setup')).reason).toContain('"Import data"');
  });

  it('completes an item-free milestone from ready', () => {
    const snapshot = run(compiled, [
      toggle('setup', 'sso'),
      toggle('setup', 'data'),
      complete('setup'),
      complete('review'),
    ]);

    expect(compiled.status(snapshot)).toBe('completed');
  });
});

describe('milestone events', () => {
  const compiled = compile(forkJoin);

  it('START makes a ready milestone active', () => {
    const snapshot = run(compiled, [start('a')]);

    expect(compiled.states(snapshot).a).toBe('active');
  });

  it('skips a locked milestone', () => {
    const snapshot = run(compiled, [skip('d')]);

    expect(compiled.states(snapshot)).toEqual({
      a: 'ready',
      b: 'locked',
      c: 'locked',
      d: 'skipped',
    });
    const finished = run(compiled, [skip('d'), complete('a'), complete('b'), complete('c')]);
    expect(compiled.status(finished)).toBe('completed');
  });

  it('skipping a locked milestone unlocks its successor', () => {
    const sequence = compile(workflow(['a', 'b', 'c'], ['a->b', 'b->c']));
    const snapshot = run(sequence, [skip('b')]);

    expect(sequence.states(snapshot)).toEqual({ a: 'ready', b: 'skipped', c: 'ready' });
  });

  it('skips an active milestone', () => {
    const snapshot = run(compiled, [start('a'), skip('a')]);

    expect(compiled.states(snapshot)).toMatchObject({ a: 'skipped', b: 'ready', c: 'ready' });
  });

  it('leaves the given snapshot unchanged', () => {
    const before = compiled.start();
    const after = compiled.apply(before, complete('a'));

    expect(compiled.states(before).a).toBe('ready');
    expect(compiled.states(after).a).toBe('done');
  });
});

describe('rejection reasons', () => {
  const compiled = compile(forkJoin);

  it('names what a locked milestone waits for', () => {
    const snapshot = run(compiled, [complete('a'), start('b')]);
    const error = rejection(compiled, snapshot, complete('d'));

    expect(error.event).toEqual(complete('d'));
    expect(error.reason).toContain('Milestone "d" is locked');
    expect(error.reason).toContain('b (active)');
    expect(error.reason).toContain('c (ready)');
  });

  it('omits finished predecessors', () => {
    const snapshot = run(compiled, [complete('a'), complete('b')]);
    const error = rejection(compiled, snapshot, start('d'));

    expect(error.reason).toContain('c (ready)');
    expect(error.reason).not.toContain('b (');
  });

  it('names the missing required items', () => {
    const withItems = compile(checklist);
    const error = rejection(withItems, withItems.start(), complete('setup'));

    expect(error.reason).toContain('Milestone "setup" cannot be completed');
    expect(error.reason).toContain('"Configure SSO", "Import data"');
  });

  it('rejects events while paused', () => {
    const snapshot = run(compiled, [{ type: 'PAUSE' }]);

    for (const event of [complete('a'), start('a'), skip('a'), toggle('a', 'x')]) {
      const error = rejection(compiled, snapshot, event);
      expect(error.reason).toContain('The instance is paused; resume it');
    }
    expect(rejection(compiled, snapshot, { type: 'PAUSE' }).reason).toContain('cannot be paused');
  });

  it('rejects RESUME while running', () => {
    const error = rejection(compiled, compiled.start(), { type: 'RESUME' });

    expect(error.reason).toContain('not paused');
  });

  it('rejects an unknown milestone', () => {
    const error = rejection(compiled, compiled.start(), complete('ghost'));

    expect(error.reason).toContain('no milestone "ghost"');
    expect(error.reason).toContain('a, b, c, d');
  });

  it('rejects an unknown checklist item', () => {
    const withItems = compile(checklist);
    const error = rejection(withItems, withItems.start(), toggle('setup', 'ghost'));

    expect(error.reason).toContain('no checklist item "ghost"');
    expect(error.reason).toContain('sso, data, tour');
  });

  it('rejects events on a finished milestone', () => {
    const snapshot = run(compiled, [complete('a'), skip('b')]);

    expect(rejection(compiled, snapshot, complete('a')).reason).toContain('already done');
    expect(rejection(compiled, snapshot, start('b')).reason).toContain('already skipped');
  });

  it('rejects START of an active milestone', () => {
    const snapshot = run(compiled, [start('a')]);

    expect(rejection(compiled, snapshot, start('a')).reason).toContain('already active');
  });
});

describe('pause and resume', () => {
  // After the setup events: a done, b active with a ticked item, c ready, d locked, e skipped.
  const compiled = compile(
    workflow(
      [
        'a',
        milestone('b', { checklist: [{ id: 'call', title: 'Call' }] }),
        'c',
        'd',
        milestone('e', { condition: ENTERPRISE_ONLY }),
      ],
      ['a->b', 'a->c', 'b->d', 'c->d', 'a->e'],
    ),
  );
  const setup: InstanceEvent[] = [complete('a'), toggle('b', 'call')];
  const expected: States = { a: 'done', b: 'active', c: 'ready', d: 'locked', e: 'skipped' };

  it('keeps every milestone state', () => {
    const running = run(compiled, setup, { segment: 'SMB' });
    expect(compiled.states(running)).toEqual(expected);

    const paused = compiled.apply(running, { type: 'PAUSE' });
    expect(compiled.status(paused)).toBe('paused');
    expect(compiled.states(paused)).toEqual(expected);
    expect(compiled.items(paused, 'b')).toEqual({ call: true });

    const resumed = compiled.apply(paused, { type: 'RESUME' });
    expect(compiled.status(resumed)).toBe('running');
    expect(compiled.states(resumed)).toEqual(expected);
    expect(compiled.items(resumed, 'b')).toEqual({ call: true });
  });

  it('keeps states through persist and restore', () => {
    const paused = run(compiled, [...setup, { type: 'PAUSE' }], { segment: 'SMB' });
    const stored: unknown = JSON.parse(JSON.stringify(compiled.persist(paused)));
    const restored = compiled.restore(stored);

    expect(compiled.status(restored)).toBe('paused');
    expect(compiled.states(restored)).toEqual(expected);
    expect(compiled.items(restored, 'b')).toEqual({ call: true });

    const resumed = compiled.apply(restored, { type: 'RESUME' });
    expect(compiled.status(resumed)).toBe('running');
    expect(compiled.states(resumed)).toEqual(expected);

    let finished = resumed;
    for (const id of ['b', 'c', 'd']) finished = compiled.apply(finished, complete(id));
    expect(compiled.status(finished)).toBe('completed');
  });

  it('restores a running instance', () => {
    const running = run(compiled, setup, { segment: 'SMB' });
    const restored = compiled.restore(JSON.parse(JSON.stringify(compiled.persist(running))));

    expect(compiled.status(restored)).toBe('running');
    expect(compiled.states(restored)).toEqual(expected);
    expect(compiled.states(compiled.apply(restored, complete('b'))).b).toBe('done');
  });

  it('pauses and resumes twice', () => {
    const snapshot = run(
      compiled,
      [...setup, { type: 'PAUSE' }, { type: 'RESUME' }, { type: 'PAUSE' }, { type: 'RESUME' }],
      { segment: 'SMB' },
    );

    expect(compiled.states(snapshot)).toEqual(expected);
  });
});

describe('cancel', () => {
  const compiled = compile(forkJoin);
  const everyEvent: InstanceEvent[] = [
    start('b'),
    toggle('b', 'x'),
    complete('b'),
    skip('d'),
    { type: 'PAUSE' },
    { type: 'RESUME' },
    { type: 'CANCEL' },
  ];

  it('is final', () => {
    const cancelled = run(compiled, [complete('a'), { type: 'CANCEL' }]);

    expect(compiled.status(cancelled)).toBe('cancelled');
    for (const event of everyEvent) {
      const error = rejection(compiled, cancelled, event);
      expect(error.reason).toContain('The instance is cancelled');
    }
  });

  it('keeps the milestone states', () => {
    const cancelled = run(compiled, [complete('a'), { type: 'CANCEL' }]);

    expect(compiled.states(cancelled)).toEqual({ a: 'done', b: 'ready', c: 'ready', d: 'locked' });
  });

  it('cancels a paused instance', () => {
    const cancelled = run(compiled, [{ type: 'PAUSE' }, { type: 'CANCEL' }]);

    expect(compiled.status(cancelled)).toBe('cancelled');
  });

  it('rejects CANCEL after completion', () => {
    const completed = run(compiled, ['a', 'b', 'c', 'd'].map(complete));

    expect(compiled.status(completed)).toBe('completed');
    expect(rejection(compiled, completed, { type: 'CANCEL' }).reason).toContain('completed');
  });
});

describe('transition cache', () => {
  const definition = workflow(
    [
      'a',
      milestone('b', { condition: ENTERPRISE_ONLY, checklist: [{ id: 'call', title: 'Call' }] }),
    ],
    ['a->b'],
  );

  it('serves a restored snapshot from the cache', () => {
    const compiled = compile(definition);
    const original = compiled.start({ segment: 'Enterprise' });
    const next = compiled.apply(original, complete('a'));
    const restored = compiled.restore(JSON.parse(compiled.serialize(original)));

    expect(compiled.apply(restored, complete('a'))).toBe(next);
  });

  it('matches a fresh compile along a repeated path', () => {
    const cached = compile(definition);
    const fresh = compile(definition);
    const path: InstanceEvent[] = [
      complete('a'),
      toggle('b', 'call'),
      { type: 'PAUSE' },
      { type: 'RESUME' },
      complete('b'),
    ];
    run(cached, path, { segment: 'Enterprise' });

    let again = cached.start({ segment: 'Enterprise' });
    let reference = fresh.start({ segment: 'Enterprise' });
    for (const event of path) {
      again = cached.apply(again, event);
      reference = fresh.apply(reference, event);
      expect(cached.serialize(again)).toBe(fresh.serialize(reference));
    }
    expect(cached.status(again)).toBe('completed');
  });

  it('separates accounts by condition fields', () => {
    const compiled = compile(definition);
    const smb = compiled.apply(compiled.start({ segment: 'SMB' }), complete('a'));
    const enterprise = compiled.apply(compiled.start({ segment: 'Enterprise' }), complete('a'));

    expect(compiled.states(smb).b).toBe('skipped');
    expect(compiled.states(enterprise).b).toBe('ready');
  });

  it('still rejects an event that does not fit', () => {
    const compiled = compile(definition);
    const start = compiled.start({ segment: 'Enterprise' });

    expect(() => compiled.apply(start, complete('b'))).toThrow(EventRejectedError);
    expect(() => compiled.apply(start, complete('b'))).toThrow(/waits for/);
  });
});
