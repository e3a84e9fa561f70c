import { describe, expect, it } from 'vitest';
import { diffDefinitions, isEmptyDiff } from '../src/index.ts';
import type { WorkflowDefinitionInput } from '../src/index.ts';

const base: WorkflowDefinitionInput = {
  key: 'onboarding',
  name: 'Onboarding',
  targetDays: 20,
  milestones: [
    {
      id: 'kickoff',
      name: 'Kickoff',
      targetDays: 2,
      checklist: [{ id: 'agenda', title: 'Send agenda' }],
      position: { x: 0, y: 0 },
    },
    { id: 'setup', name: 'Setup', targetDays: 5 },
    { id: 'training', name: 'Training', targetDays: 3 },
  ],
  dependencies: [
    { from: 'kickoff', to: 'setup' },
    { from: 'setup', to: 'training' },
  ],
};

function edit(change: (copy: WorkflowDefinitionInput) => void): WorkflowDefinitionInput {
  const copy = structuredClone(base);
  change(copy);
  return copy;
}

describe('diffDefinitions', () => {
  it('finds nothing between equal definitions', () => {
    const diff = diffDefinitions(base, structuredClone(base));

    expect(isEmptyDiff(diff)).toBe(true);
  });

  it('treats defaults as equal to omitted fields', () => {
    const explicit = edit((copy) => {
      copy.description = '';
      copy.milestones[1]!.description = '';
      copy.milestones[1]!.checklist = [];
      copy.milestones[1]!.assignee = { kind: 'account_owner' };
      copy.milestones[0]!.checklist = [{ id: 'agenda', title: 'Send agenda', required: true }];
    });

    expect(isEmptyDiff(diffDefinitions(base, explicit))).toBe(true);
  });

  it('ignores moved milestones', () => {
    const moved = edit((copy) => (copy.milestones[0]!.position = { x: 400, y: 80 }));

    expect(isEmptyDiff(diffDefinitions(base, moved))).toBe(true);
  });

  it('lists added and removed milestones', () => {
    const after = edit((copy) => {
      copy.milestones = copy.milestones.filter(({ id }) => id !== 'training');
      copy.milestones.push({ id: 'golive', name: 'Go-live', targetDays: 1 });
    });

    const diff = diffDefinitions(base, after);

    expect(diff.milestonesAdded).toEqual([{ id: 'golive', name: 'Go-live' }]);
    expect(diff.milestonesRemoved).toEqual([{ id: 'training', name: 'Training' }]);
  });

  it('names the changed fields of a milestone', () => {
    const after = edit((copy) => {
      const kickoff = copy.milestones[0]!;
      kickoff.name = 'Kickoff call';
      kickoff.targetDays = 3;
      kickoff.checklist = [{ id: 'agenda', title: 'Send agenda', required: false }];
      kickoff.due = { kind: 'after_start', days: 4 };
      kickoff.condition = { field: 'segment', op: 'eq', value: 'Enterprise' };
      copy.milestones[1]!.assignee = { kind: 'user', email: 'se@example.com' };
    });

    const diff = diffDefinitions(base, after);

    expect(diff.milestonesChanged).toEqual([
      {
        id: 'kickoff',
        name: 'Kickoff call',
        previousName: 'Kickoff',
        fields: ['name', 'checklist', 'targetDays', 'due', 'condition'],
      },
      { id: 'setup', name: 'Setup', fields: ['assignee'] },
    ]);
  });

  it('ignores key order inside a field', () => {
    const reordered = edit((copy) => {
      copy.milestones[0]!.checklist = [{ required: true, title: 'Send agenda', id: 'agenda' }];
    });

    expect(diffDefinitions(base, reordered).milestonesChanged).toEqual([]);
  });

  it('lists added and removed dependencies', () => {
    const after = edit((copy) => {
      copy.dependencies = [
        { from: 'kickoff', to: 'setup' },
        { from: 'kickoff', to: 'training' },
      ];
    });

    const diff = diffDefinitions(base, after);

    expect(diff.dependenciesAdded).toEqual([{ from: 'kickoff', to: 'training' }]);
    expect(diff.dependenciesRemoved).toEqual([{ from: 'setup', to: 'training' }]);
  });

  it('lists workflow field changes', () => {
    const after = edit((copy) => {
      copy.name = 'Onboarding 2';
      copy.description = 'New';
      copy.targetDays = 25;
    });

    expect(diffDefinitions(base, after).workflowFields).toEqual([
      'name',
      'description',
      'targetDays',
    ]);
  });

  it('counts everything as added without a version', () => {
    const diff = diffDefinitions(null, base);

    expect(diff.milestonesAdded.map(({ id }) => id)).toEqual(['kickoff', 'setup', 'training']);
    expect(diff.dependenciesAdded).toHaveLength(2);
    expect(diff.milestonesRemoved).toEqual([]);
    expect(diff.workflowFields).toEqual([]);
  });
});
