import { describe, expect, it } from 'vitest';
import {
  addDependency,
  addMilestone,
  CommandError,
  CommandStack,
  deleteElements,
  dependencyProblem,
  moveMilestones,
  pasteMilestones,
  updateMilestone,
  updateWorkflow,
  type Command,
} from '../src/designer/commands/index.ts';
import type { DesignerDocument } from '../src/designer/document.ts';
import { forkJoin, milestone } from './fixtures.ts';

/** Runs a command through a stack and checks execute, undo and redo against `expected`. */
function executeUndoRedo(
  command: Command,
  expected: (document: DesignerDocument) => void,
  start = forkJoin(),
) {
  const original = structuredClone(start);
  const stack = new CommandStack(start);

  stack.execute(command);
  const executed = stack.document;
  expected(executed);
  expect(start).toEqual(original);

  expect(stack.undo()).toBe(true);
  expect(stack.document).toEqual(original);

  expect(stack.redo()).toBe(true);
  expect(stack.document).toEqual(executed);
  return stack;
}

describe('addMilestone', () => {
  it('executes, undoes and redoes', () => {
    executeUndoRedo(addMilestone(milestone('review', 900, 0)), (document) => {
      expect(document.milestones.map(({ id }) => id)).toEqual([
        'kickoff',
        'setup',
        'training',
        'golive',
        'review',
      ]);
    });
  });

  it('rejects an id in use', () => {
    const stack = new CommandStack(forkJoin());
    expect(() => stack.execute(addMilestone(milestone('setup')))).toThrow(CommandError);
  });
});

describe('updateMilestone', () => {
  it('executes, undoes and redoes', () => {
    const patch = {
      name: 'Kickoff call',
      targetDays: 3,
      checklist: [{ id: 'agenda', title: 'Send agenda', required: true }],
    };
    executeUndoRedo(updateMilestone('kickoff', patch), (document) => {
      expect(document.milestones[0]).toMatchObject(patch);
    });
  });

  it('clears and restores an optional field', () => {
    const start = forkJoin();
    start.milestones[1]!.due = { kind: 'after_start', days: 10 };

    executeUndoRedo(
      updateMilestone('setup', { due: undefined }),
      (document) => expect(document.milestones[1]).not.toHaveProperty('due'),
      start,
    );
  });

  it('merges typing into one undo step', () => {
    let now = 0;
    const stack = new CommandStack(forkJoin(), { now: () => now });
    for (const name of ['K', 'Ki', 'Kic']) {
      stack.execute(updateMilestone('kickoff', { name }, { merge: true }));
      now += 100;
    }

    expect(stack.document.milestones[0]?.name).toBe('Kic');
    stack.undo();
    expect(stack.document.milestones[0]?.name).toBe('Kickoff');
    expect(stack.canUndo).toBe(false);
    stack.redo();
    expect(stack.document.milestones[0]?.name).toBe('Kic');
  });

  it('keeps separate steps after a pause', () => {
    let now = 0;
    const stack = new CommandStack(forkJoin(), { now: () => now, mergeWindowMs: 1000 });
    stack.execute(updateMilestone('kickoff', { name: 'A' }, { merge: true }));
    now += 5000;
    stack.execute(updateMilestone('kickoff', { name: 'AB' }, { merge: true }));

    stack.undo();
    expect(stack.document.milestones[0]?.name).toBe('A');
  });

  it('rejects an unknown milestone', () => {
    const stack = new CommandStack(forkJoin());
    expect(() => stack.execute(updateMilestone('nope', { name: 'x' }))).toThrow(/"nope"/);
  });
});

describe('moveMilestones', () => {
  it('executes, undoes and redoes', () => {
    const move = moveMilestones([
      { id: 'setup', from: { x: 300, y: -100 }, to: { x: 320, y: -80 } },
      { id: 'golive', from: { x: 600, y: 0 }, to: { x: 700, y: 10 } },
    ]);
    executeUndoRedo(move, (document) => {
      expect(document.milestones[1]?.position).toEqual({ x: 320, y: -80 });
      expect(document.milestones[3]?.position).toEqual({ x: 700, y: 10 });
      expect(document.milestones[0]?.position).toEqual({ x: 0, y: 0 });
    });
  });

  it('names the edit', () => {
    expect(moveMilestones([], 'Auto-layout').label).toBe('Auto-layout');
  });
});

describe('deleteElements', () => {
  it('deletes a milestone with its dependencies', () => {
    executeUndoRedo(deleteElements({ milestoneIds: ['setup'] }), (document) => {
      expect(document.milestones.map(({ id }) => id)).toEqual(['kickoff', 'training', 'golive']);
      expect(document.dependencies).toEqual([
        { from: 'kickoff', to: 'training' },
        { from: 'training', to: 'golive' },
      ]);
    });
  });

  it('deletes a dependency alone', () => {
    const selection = { dependencies: [{ from: 'kickoff', to: 'training' }] };
    executeUndoRedo(deleteElements(selection), (document) => {
      expect(document.milestones).toHaveLength(4);
      expect(document.dependencies).toHaveLength(3);
    });
  });

  it('restores the original order on undo', () => {
    const stack = executeUndoRedo(
      deleteElements({ milestoneIds: ['kickoff', 'golive'] }),
      (document) => expect(document.milestones.map(({ id }) => id)).toEqual(['setup', 'training']),
    );
    stack.undo();
    expect(stack.document).toEqual(forkJoin());
  });

  it('labels the deleted elements', () => {
    const command = deleteElements({
      milestoneIds: ['setup', 'golive'],
      dependencies: [{ from: 'kickoff', to: 'training' }],
    });
    expect(command.label).toBe('Delete 2 milestones and 1 dependency');
  });
});

describe('addDependency', () => {
  it('executes, undoes and redoes', () => {
    executeUndoRedo(addDependency({ from: 'kickoff', to: 'golive' }), (document) => {
      expect(document.dependencies.at(-1)).toEqual({ from: 'kickoff', to: 'golive' });
    });
  });

  it('rejects an edge that closes a cycle', () => {
    const stack = new CommandStack(forkJoin());
    expect(() => stack.execute(addDependency({ from: 'golive', to: 'kickoff' }))).toThrow(/cycle/);
    expect(stack.canUndo).toBe(false);
  });
});

describe('dependencyProblem', () => {
  const document = forkJoin();

  it('accepts a new forward edge', () => {
    expect(dependencyProblem(document, { from: 'kickoff', to: 'golive' })).toBeNull();
  });

  it('names the cycle an edge would close', () => {
    const problem = dependencyProblem(document, { from: 'golive', to: 'kickoff' });

    expect(problem?.code).toBe('cycle');
    expect(problem?.cycle).toEqual(['golive', 'kickoff', 'setup', 'golive']);
    expect(problem?.message).toContain('"Golive" → "Kickoff" → "Setup" → "Golive"');
  });

  it.each([
    ['self_dependency', { from: 'setup', to: 'setup' }],
    ['duplicate_dependency', { from: 'kickoff', to: 'setup' }],
    ['missing_milestone', { from: 'kickoff', to: 'nope' }],
  ])('reports %s', (code, edge) => {
    expect(dependencyProblem(document, edge)?.code).toBe(code);
  });
});

describe('pasteMilestones', () => {
  it('executes, undoes and redoes', () => {
    const copies = [milestone('setup_2', 340, -60), milestone('golive_2', 640, 40)];
    const edges = [{ from: 'setup_2', to: 'golive_2' }];
    executeUndoRedo(pasteMilestones(copies, edges), (document) => {
      expect(document.milestones.slice(4)).toEqual(copies);
      expect(document.dependencies.at(-1)).toEqual(edges[0]);
    });
  });

  it('rejects a dependency leaving the pasted milestones', () => {
    const stack = new CommandStack(forkJoin());
    const paste = pasteMilestones([milestone('copy')], [{ from: 'kickoff', to: 'copy' }]);
    expect(() => stack.execute(paste)).toThrow(/leaves the pasted milestones/);
  });
});

describe('updateWorkflow', () => {
  it('executes, undoes and redoes', () => {
    executeUndoRedo(updateWorkflow({ name: 'Onboarding EU', targetDays: 30 }), (document) => {
      expect(document.name).toBe('Onboarding EU');
      expect(document.targetDays).toBe(30);
    });
  });

  it('merges consecutive edits of one field', () => {
    const stack = new CommandStack(forkJoin(), { now: () => 0 });
    stack.execute(updateWorkflow({ description: 'F' }));
    stack.execute(updateWorkflow({ description: 'For' }));

    stack.undo();
    expect(stack.document.description).toBe('');
  });
});

describe('CommandStack', () => {
  it('clears redo after a new edit', () => {
    const stack = new CommandStack(forkJoin());
    stack.execute(addMilestone(milestone('a')));
    stack.undo();
    stack.execute(addMilestone(milestone('b')));

    expect(stack.canRedo).toBe(false);
    expect(stack.redo()).toBe(false);
  });

  it('reports labels and notifies listeners', () => {
    const stack = new CommandStack(forkJoin());
    const seen: number[] = [];
    stack.subscribe((document) => seen.push(document.milestones.length));

    stack.execute(addMilestone(milestone('a')));
    expect(stack.undoLabel).toBe('Add "A"');
    stack.undo();
    expect(stack.redoLabel).toBe('Add "A"');
    expect(seen).toEqual([5, 4]);
  });

  it('forgets history on reset', () => {
    const stack = new CommandStack(forkJoin());
    stack.execute(addMilestone(milestone('a')));
    stack.reset(forkJoin());

    expect(stack.canUndo).toBe(false);
    expect(stack.document.milestones).toHaveLength(4);
  });
});
