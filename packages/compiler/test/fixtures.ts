import type { InstanceEvent, InstanceStatus } from '@milepost/compiler';
import type { AccountFieldValues, Condition, WorkflowDefinitionInput } from '@milepost/model';

type MilestoneInput = WorkflowDefinitionInput['milestones'][number];

/** One event of a fixture run and the milestones it moves, each list in any order. */
export interface FixtureStep {
  event: InstanceEvent;
  /** Milestones that become ready with this event. */
  ready: string[];
  /** Milestones that become skipped with this event, when any do. */
  skipped?: string[];
}

/** A definition with the behaviour the compiled machine must show, run by one loop. */
export interface MachineFixture {
  name: string;
  definition: WorkflowDefinitionInput;
  account?: AccountFieldValues;
  /** Milestones that are ready right after start. */
  readyAtStart: string[];
  /** Milestones whose condition already fails at start. */
  skippedAtStart?: string[];
  steps: FixtureStep[];
  finalStatus: InstanceStatus;
  /** Why the case does not run yet. A disabled case stays in the table. */
  disabled?: string;
}

export const ENTERPRISE_ONLY: Condition = { field: 'segment', op: 'eq', value: 'Enterprise' };

export function milestone(id: string, extra: Partial<MilestoneInput> = {}): MilestoneInput {
  return { id, name: `Milestone ${id}`, targetDays: 1, ...extra };
}

/** Builds a definition from milestones and `from->to` edges. */
export function workflow(
  milestones: (string | MilestoneInput)[],
  edges: string[] = [],
): WorkflowDefinitionInput {
  return {
    key: 'fixture',
    name: 'Fixture',
    milestones: milestones.map((entry) => (typeof entry === 'string' ? milestone(entry) : entry)),
    dependencies: edges.map((edge) => {
      const [from = '', to = ''] = edge.split('->');
      return { from, to };
    }),
  };
}

const complete = (milestoneId: string): InstanceEvent => ({ type: 'COMPLETE', milestoneId });
const skip = (milestoneId: string): InstanceEvent => ({ type: 'SKIP', milestoneId });
const tick = (milestoneId: string, itemId: string): InstanceEvent => ({
  type: 'TOGGLE_ITEM',
  milestoneId,
  itemId,
  done: true,
});

/**
 * Generates a layered graph of `layers` x `width` milestones, `m<layer>-<column>`. Each milestone
 * below the first layer depends on the milestones above it and above-right of it (wrapping),
 * and the steps complete every milestone layer by layer. The expected ready lists come from
 * counting unfinished predecessors, independently of the compiler.
 */
export function layeredFixture(layers: number, width: number): MachineFixture {
  const idOf = (layer: number, column: number) => `m${layer}-${column % width}`;
  const ids: string[] = [];
  const edges = new Set<string>();
  for (let layer = 0; layer < layers; layer++) {
    for (let column = 0; column < width; column++) {
      ids.push(idOf(layer, column));
      if (layer === 0) continue;
      edges.add(`${idOf(layer - 1, column)}->${idOf(layer, column)}`);
      edges.add(`${idOf(layer - 1, column + 1)}->${idOf(layer, column)}`);
    }
  }

  const waitingOn = new Map(ids.map((id) => [id, 0]));
  const successors = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const edge of edges) {
    const [from = '', to = ''] = edge.split('->');
    waitingOn.set(to, waitingOn.get(to)! + 1);
    successors.get(from)!.push(to);
  }

  const steps = ids.map((id): FixtureStep => {
    const ready: string[] = [];
    for (const successor of successors.get(id)!) {
      const remaining = waitingOn.get(successor)! - 1;
      waitingOn.set(successor, remaining);
      if (remaining === 0) ready.push(successor);
    }
    return { event: complete(id), ready };
  });

  return {
    name: `layered graph of ${layers * width}`,
    definition: workflow(ids, [...edges]),
    readyAtStart: ids.slice(0, width),
    steps,
    finalStatus: 'completed',
  };
}

export const fixtures: MachineFixture[] = [
  {
    name: 'sequence',
    definition: workflow(['a', 'b', 'c'], ['a->b', 'b->c']),
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['b'] },
      { event: complete('b'), ready: ['c'] },
      { event: complete('c'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'fork/join',
    definition: workflow(['a', 'b', 'c', 'd'], ['a->b', 'a->c', 'b->d', 'c->d']),
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['b', 'c'] },
      { event: complete('c'), ready: [] },
      { event: complete('b'), ready: ['d'] },
      { event: complete('d'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'diamond with a shortcut edge',
    definition: workflow(['a', 'b', 'c', 'd'], ['a->b', 'a->c', 'b->d', 'c->d', 'a->d']),
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['b', 'c'] },
      { event: complete('b'), ready: [] },
      { event: complete('c'), ready: ['d'] },
      { event: complete('d'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'double diamond',
    definition: workflow(
      ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
      ['a->b', 'a->c', 'b->d', 'c->d', 'd->e', 'd->f', 'e->g', 'f->g'],
    ),
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['b', 'c'] },
      { event: complete('b'), ready: [] },
      { event: complete('c'), ready: ['d'] },
      { event: complete('d'), ready: ['e', 'f'] },
      { event: complete('f'), ready: [] },
      { event: complete('e'), ready: ['g'] },
      { event: complete('g'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'two independent roots',
    definition: workflow(['a', 'b', 'c', 'd'], ['a->c', 'b->d']),
    readyAtStart: ['a', 'b'],
    steps: [
      { event: complete('b'), ready: ['d'] },
      { event: complete('d'), ready: [] },
      { event: complete('a'), ready: ['c'] },
      { event: complete('c'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'three predecessors',
    definition: workflow(
      ['a', milestone('b', { checklist: [{ id: 'call', title: 'Kickoff call' }] }), 'c', 'd'],
      ['a->d', 'b->d', 'c->d'],
    ),
    readyAtStart: ['a', 'b', 'c'],
    steps: [
      { event: complete('a'), ready: [] },
      { event: tick('b', 'call'), ready: [] },
      { event: skip('c'), ready: [], skipped: ['c'] },
      { event: complete('b'), ready: ['d'] },
      { event: complete('d'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'condition skips for SMB',
    definition: workflow(
      ['a', milestone('b', { condition: ENTERPRISE_ONLY }), 'c'],
      ['a->b', 'b->c'],
    ),
    account: { segment: 'SMB' },
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['c'], skipped: ['b'] },
      { event: complete('c'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'condition holds for Enterprise',
    definition: workflow(
      ['a', milestone('b', { condition: ENTERPRISE_ONLY }), 'c'],
      ['a->b', 'b->c'],
    ),
    account: { segment: 'enterprise' },
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['b'] },
      { event: complete('b'), ready: ['c'] },
      { event: complete('c'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'chain of two skipped',
    definition: workflow(
      [
        'a',
        milestone('b', { condition: ENTERPRISE_ONLY }),
        milestone('c', { condition: { field: 'seats', op: 'gte', value: 100 } }),
        'd',
      ],
      ['a->b', 'b->c', 'c->d'],
    ),
    account: { segment: 'SMB', seats: 10 },
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['d'], skipped: ['b', 'c'] },
      { event: complete('d'), ready: [] },
    ],
    finalStatus: 'completed',
  },
  {
    name: 'skipped root',
    definition: workflow([milestone('a', { condition: ENTERPRISE_ONLY }), 'b'], ['a->b']),
    account: {},
    readyAtStart: ['b'],
    skippedAtStart: ['a'],
    steps: [{ event: complete('b'), ready: [] }],
    finalStatus: 'completed',
  },
  {
    name: 'every milestone skipped',
    definition: workflow(
      [
        milestone('a', { condition: ENTERPRISE_ONLY }),
        milestone('b', { condition: ENTERPRISE_ONLY }),
      ],
      ['a->b'],
    ),
    account: { segment: 'SMB' },
    readyAtStart: [],
    skippedAtStart: ['a', 'b'],
    steps: [],
    finalStatus: 'completed',
  },
  {
    name: 'cancelled midway',
    definition: workflow(['a', 'b'], ['a->b']),
    readyAtStart: ['a'],
    steps: [
      { event: complete('a'), ready: ['b'] },
      { event: { type: 'CANCEL' }, ready: [] },
    ],
    finalStatus: 'cancelled',
  },
  layeredFixture(12, 5),
  layeredFixture(20, 10),
  {
    name: 'milestone named resume',
    definition: workflow(['resume', 'b'], ['resume->b']),
    readyAtStart: ['resume'],
    steps: [
      { event: complete('resume'), ready: ['b'] },
      { event: complete('b'), ready: [] },
    ],
    finalStatus: 'completed',
  },
];
