import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  adjacencyMapToArray,
  getAdjacencyMap,
  getShortestPaths,
  getSimplePaths,
  serializeSnapshot,
} from 'xstate/graph';
import { compileWorkflow } from '@milepost/compiler';
import type { CompiledWorkflow, InstanceEvent, InstanceSnapshot } from '@milepost/compiler';
import { parseDefinition } from '@milepost/model';
import type { WorkflowDefinitionInput } from '@milepost/model';
import { milestone, workflow } from './fixtures.ts';

// Every milestone has one required item, so each region can be ready, active with the item
// ticked or unticked, done or skipped. The four-milestone graphs below reach about 1,100
// states each.
const ITEM = 'check';
const input = { account: {} };

function compile(ids: string[], edges: string[]): CompiledWorkflow {
  const checklist = [{ id: ITEM, title: 'Check' }];
  const definition: WorkflowDefinitionInput = workflow(
    ids.map((id) => milestone(id, { checklist })),
    edges,
  );
  return compileWorkflow(parseDefinition(definition));
}

/** Returns the milestone events to try in every state. PAUSE, RESUME and CANCEL are left out. */
function milestoneEvents(compiled: CompiledWorkflow): InstanceEvent[] {
  return [...compiled.graph.order].flatMap((milestoneId): InstanceEvent[] => [
    { type: 'START', milestoneId },
    { type: 'TOGGLE_ITEM', milestoneId, itemId: ITEM, done: true },
    { type: 'TOGGLE_ITEM', milestoneId, itemId: ITEM, done: false },
    { type: 'COMPLETE', milestoneId },
    { type: 'SKIP', milestoneId },
  ]);
}

const isFinished = (state: string | undefined) => state === 'done' || state === 'skipped';

/**
 * Lists what is wrong with one snapshot: a milestone that is ready, active or done while a
 * predecessor is not finished, or a status that disagrees with the milestone states.
 */
function violations(compiled: CompiledWorkflow, snapshot: InstanceSnapshot): string[] {
  const states = compiled.states(snapshot);
  const found: string[] = [];
  for (const [id, state] of Object.entries(states)) {
    if (state === 'locked' || state === 'skipped') continue;
    for (const predecessor of compiled.graph.predecessors.get(id) ?? []) {
      if (!isFinished(states[predecessor])) {
        found.push(`${id} is ${state} while ${predecessor} is ${states[predecessor]}`);
      }
    }
  }

  const allFinished = Object.values(states).every(isFinished);
  const status = compiled.status(snapshot);
  if (allFinished !== (status === 'completed')) {
    found.push(`status is ${status} with states ${JSON.stringify(states)}`);
  }
  return found;
}

const graphs: { name: string; ids: string[]; edges: string[] }[] = [
  { name: 'fork/join', ids: ['a', 'b', 'c', 'd'], edges: ['a->b', 'a->c', 'b->d', 'c->d'] },
  {
    name: 'diamond with a shortcut edge',
    ids: ['a', 'b', 'c', 'd'],
    edges: ['a->b', 'a->c', 'b->d', 'c->d', 'a->d'],
  },
];

describe.each(graphs)('model of $name', ({ ids, edges }) => {
  const compiled = compile(ids, edges);
  const events = milestoneEvents(compiled);
  const adjacency = getAdjacencyMap(compiled.machine, { events, input });
  const reachable = Object.values(adjacency).map((entry) => entry.state);

  it('respects predecessors on every path', () => {
    const paths = getShortestPaths(compiled.machine, { events, input });
    const found: string[] = [];
    const seen = new Set<string>();

    for (const path of paths) {
      for (const [index, step] of path.steps.entries()) {
        for (const problem of violations(compiled, step.state)) {
          const trail = path.steps.slice(1, index + 1).map((s) => JSON.stringify(s.event));
          found.push(`${problem} after ${trail.join(', ') || 'start'}`);
        }
        for (const [id, state] of Object.entries(compiled.states(step.state))) {
          seen.add(`${id}:${state}`);
        }
      }
    }

    expect(paths).toHaveLength(reachable.length);
    expect(found).toEqual([]);
    // A root milestone is ready from the start, so it is never locked.
    const everyState = ids.flatMap((id) => {
      const isRoot = (compiled.graph.predecessors.get(id) ?? []).length === 0;
      const states = ['ready', 'active', 'done', 'skipped'];
      return (isRoot ? states : ['locked', ...states]).map((state) => `${id}:${state}`);
    });
    expect([...seen].sort()).toEqual(everyState.sort());
  });

  it('reaches completion from every state', () => {
    const earlier = new Map<string, string[]>();
    for (const { state, nextState } of adjacencyMapToArray(adjacency)) {
      const next = serializeSnapshot(nextState);
      earlier.set(next, [...(earlier.get(next) ?? []), serializeSnapshot(state)]);
    }

    const completed = Object.entries(adjacency)
      .filter(([, entry]) => compiled.status(entry.state) === 'completed')
      .map(([key]) => key);
    const canComplete = new Set(completed);
    const queue = [...completed];
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      for (const previous of earlier.get(key) ?? []) {
        if (canComplete.has(previous)) continue;
        canComplete.add(previous);
        queue.push(previous);
      }
    }

    const stuck = reachable
      .filter((snapshot) => !canComplete.has(serializeSnapshot(snapshot)))
      .map((snapshot) => JSON.stringify(compiled.states(snapshot)));
    expect(completed.length).toBeGreaterThan(0);
    expect(stuck).toEqual([]);
  });

  it('cancels from every running state', () => {
    const found: string[] = [];
    for (const snapshot of reachable) {
      if (compiled.status(snapshot) !== 'running') continue;
      const cancelled = compiled.apply(snapshot, { type: 'CANCEL' });

      if (compiled.status(cancelled) !== 'cancelled') {
        found.push(`CANCEL led to ${compiled.status(cancelled)}`);
      }
      const before = compiled.states(snapshot);
      const after = compiled.states(cancelled);
      if (!isDeepStrictEqual(before, after)) {
        found.push(`CANCEL changed ${JSON.stringify(before)} to ${JSON.stringify(after)}`);
      }
    }

    expect(found).toEqual([]);
  });

  it('resumes every running state unchanged', () => {
    const found: string[] = [];
    for (const snapshot of reachable) {
      if (compiled.status(snapshot) !== 'running') continue;
      const paused = compiled.apply(snapshot, { type: 'PAUSE' });
      const resumed = compiled.apply(paused, { type: 'RESUME' });

      if (serializeSnapshot(resumed) !== serializeSnapshot(snapshot)) {
        found.push(`${serializeSnapshot(snapshot)} resumed as ${serializeSnapshot(resumed)}`);
      }
    }

    expect(found).toEqual([]);
  });
});

describe('model of a sequence', () => {
  const compiled = compile(['a', 'b'], ['a->b']);
  const events = milestoneEvents(compiled);

  it('respects predecessors on every simple path', () => {
    const paths = getSimplePaths(compiled.machine, {
      events,
      input,
      toState: (snapshot) => compiled.status(snapshot) === 'completed',
    });
    const found: string[] = [];
    for (const path of paths) {
      for (const step of path.steps) found.push(...violations(compiled, step.state));
    }

    expect(paths.length).toBeGreaterThan(0);
    expect(found).toEqual([]);
    for (const path of paths) expect(compiled.status(path.state)).toBe('completed');
  });
});
