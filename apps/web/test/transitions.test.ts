import { describe, expect, it } from 'vitest';
import type { InstanceMilestone, Transition } from '../src/lib/trpc.ts';
import { describeTransition } from '../src/instances/transitions.ts';

const milestones = [
  { id: 'kickoff', name: 'Prepare for kickoff', items: [{ id: 'agenda', title: 'Send agenda' }] },
] as unknown as InstanceMilestone[];

function transition(fields: Partial<Transition>): Transition {
  return {
    id: 1,
    milestoneId: 'kickoff',
    from: 'active',
    to: 'active',
    detail: null,
    at: 0,
    userName: null,
    simulated: false,
    ...fields,
  } as Transition;
}

describe('describeTransition', () => {
  it('names the state change of a first tick', () => {
    const first = transition({
      from: 'ready',
      to: 'active',
      detail: { item: 'agenda', done: true },
    });
    expect(describeTransition(first, milestones)).toBe(
      'Prepare for kickoff: ready → active, ticked “Send agenda”',
    );
  });

  it('describes a later tick alone', () => {
    const later = transition({ detail: { item: 'agenda', done: false } });
    expect(describeTransition(later, milestones)).toBe(
      'Prepare for kickoff: unticked “Send agenda”',
    );
  });

  it('describes a completion', () => {
    const done = transition({ from: 'active', to: 'done' });
    expect(describeTransition(done, milestones)).toBe('Prepare for kickoff: active → done');
  });
});
