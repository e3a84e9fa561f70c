import { describe, expect, it } from 'vitest';
import { copySelection, prepareSnippet } from '../src/designer/clipboard.ts';
import { CommandStack, pasteMilestones } from '../src/designer/commands/index.ts';
import { uniqueId } from '../src/designer/ids.ts';
import { layoutMoves } from '../src/designer/layout.ts';
import { forkJoin } from './fixtures.ts';

describe('copySelection', () => {
  it('keeps only inner dependencies', () => {
    const snippet = copySelection(forkJoin(), ['kickoff', 'setup']);

    expect(snippet.milestones.map(({ id }) => id)).toEqual(['kickoff', 'setup']);
    expect(snippet.dependencies).toEqual([{ from: 'kickoff', to: 'setup' }]);
  });
});

describe('prepareSnippet', () => {
  it('renames, shifts and reconnects copies', () => {
    const document = forkJoin();
    const snippet = copySelection(document, ['setup', 'golive']);

    const pasted = prepareSnippet(snippet, document, { x: 40, y: 40 });

    expect(pasted.milestones.map(({ id }) => id)).toEqual(['setup_2', 'golive_2']);
    expect(pasted.milestones[0]?.position).toEqual({ x: 340, y: -60 });
    expect(pasted.dependencies).toEqual([{ from: 'setup_2', to: 'golive_2' }]);
  });

  it('pastes twice without clashing', () => {
    const stack = new CommandStack(forkJoin());
    const snippet = copySelection(stack.document, ['setup']);
    for (let round = 0; round < 2; round++) {
      const pasted = prepareSnippet(snippet, stack.document, { x: 40, y: 40 });
      stack.execute(pasteMilestones(pasted.milestones, pasted.dependencies));
    }

    expect(stack.document.milestones.map(({ id }) => id).slice(4)).toEqual(['setup_2', 'setup_3']);
  });
});

describe('uniqueId', () => {
  it.each([
    ['Kickoff call', [], 'kickoff_call'],
    ['Kickoff call', ['kickoff_call'], 'kickoff_call_2'],
    ['  ', [], 'milestone'],
    ['Go-live!', [], 'go_live'],
  ])('turns %j into an id', (name, taken, expected) => {
    expect(uniqueId(name, new Set(taken))).toBe(expected);
  });
});

describe('layoutMoves', () => {
  it('orders dependencies left to right', () => {
    const document = forkJoin();
    const moves = layoutMoves(document);
    const x = (id: string) =>
      moves.find((move) => move.id === id)?.to.x ??
      document.milestones.find((milestone) => milestone.id === id)!.position.x;

    for (const move of moves) {
      expect(move.from).toEqual(document.milestones.find(({ id }) => id === move.id)?.position);
    }
    expect(x('kickoff')).toBeLessThan(x('setup'));
    expect(x('setup')).toBe(x('training'));
    expect(x('training')).toBeLessThan(x('golive'));
  });

  it('returns no moves for a laid-out graph', () => {
    const document = forkJoin();
    const moves = layoutMoves(document);
    const laidOut = {
      ...document,
      milestones: document.milestones.map((milestone) => ({
        ...milestone,
        position: moves.find((move) => move.id === milestone.id)?.to ?? milestone.position,
      })),
    };

    expect(layoutMoves(laidOut)).toEqual([]);
  });
});
