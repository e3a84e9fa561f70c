import { evaluateCondition, type Milestone } from '@milepost/model';
import { and, assign, not, setup, type StateNodeConfig } from 'xstate';
import type { InstanceContext, InstanceEvent, InstanceInput } from './events.ts';
import type { WorkflowGraph } from './lower.ts';

const machineSetup = setup({
  types: {
    context: {} as InstanceContext,
    events: {} as InstanceEvent,
    input: {} as InstanceInput,
  },
});

type Guard = Parameters<typeof and>[0][number];
type GuardArgs = { context: InstanceContext; event: InstanceEvent };
type RegionConfig = StateNodeConfig<
  InstanceContext,
  InstanceEvent,
  never,
  never,
  never,
  never,
  never,
  never,
  never,
  never
>;

/** Types a predicate over the instance's context and event as an XState guard. */
const guard = (predicate: (args: GuardArgs) => boolean) => predicate as unknown as Guard;

/**
 * Emits the XState machine of a lowered workflow. The root has four states: `running`, a
 * parallel state with one region per milestone; `paused`, which remembers every region through
 * deep history; and the final states `completed` and `cancelled`. Each milestone region moves
 * locked -> ready -> active -> done, or to skipped; done and skipped are final, so `running`
 * completes when every milestone is done or skipped.
 */
export function emitMachine(graph: WorkflowGraph) {
  const regions: Record<string, RegionConfig> = {};
  for (const id of graph.order) {
    regions[id] = milestoneRegion(graph.milestones.get(id)!, graph.predecessors.get(id) ?? []);
  }

  return machineSetup.createMachine({
    id: graph.definition.key,
    context: ({ input }: { input: InstanceInput | undefined }) => ({
      account: input?.account ?? {},
      items: {},
    }),
    initial: 'running',
    states: {
      running: {
        type: 'parallel',
        states: { ...regions, resume: { type: 'history', history: 'deep' } },
        onDone: 'completed',
        on: { PAUSE: 'paused', CANCEL: 'cancelled' },
      },
      paused: { on: { RESUME: 'running.resume', CANCEL: 'cancelled' } },
      completed: { type: 'final' },
      cancelled: { type: 'final' },
    },
  } as never);
}

function milestoneRegion(milestone: Milestone, predecessors: readonly string[]): RegionConfig {
  const id = milestone.id as string;
  const isMine = guard(({ event }) => 'milestoneId' in event && event.milestoneId === id);
  const required = milestone.checklist.filter((item) => item.required).map((item) => item.id);
  const itemIds = new Set(milestone.checklist.map((item) => item.id));

  const unlocked = predecessorsFinished(predecessors);
  const condition = milestone.condition;
  const conditionFails: Guard = condition
    ? guard(({ context }) => !evaluateCondition(condition, context.account))
    : guard(() => false);

  const toggleItem = assign(({ context, event }: GuardArgs) => {
    if (event.type !== 'TOGGLE_ITEM') return {};
    const ticked = { ...context.items[id], [event.itemId]: event.done };
    return { items: { ...context.items, [id]: ticked } };
  });
  const isKnownItem = guard(
    ({ event }) =>
      event.type === 'TOGGLE_ITEM' && event.milestoneId === id && itemIds.has(event.itemId),
  );
  const requiredItemsTicked = guard(({ context }) =>
    required.every((itemId) => context.items[id]?.[itemId] === true),
  );
  const skip = { guard: isMine, target: 'skipped' };

  return {
    initial: 'locked',
    states: {
      locked: {
        always: [
          { guard: and([unlocked, conditionFails]), target: 'skipped' },
          { guard: and([unlocked, not(conditionFails)]), target: 'ready' },
        ],
        on: { SKIP: skip },
      },
      ready: {
        on: {
          START: { guard: isMine, target: 'active' },
          TOGGLE_ITEM: { guard: isKnownItem, target: 'active', actions: toggleItem },
          COMPLETE: { guard: and([isMine, requiredItemsTicked]), target: 'done' },
          SKIP: skip,
        },
      },
      active: {
        on: {
          TOGGLE_ITEM: { guard: isKnownItem, actions: toggleItem },
          COMPLETE: { guard: and([isMine, requiredItemsTicked]), target: 'done' },
          SKIP: skip,
        },
      },
      done: { type: 'final' },
      skipped: { type: 'final' },
    },
  } as unknown as RegionConfig;
}

/**
 * A guard that holds once every predecessor is done or skipped. It reads the snapshot's state
 * value directly, the way XState's own `stateIn` guard does through its `check` hook, because
 * composing `stateIn` guards costs several times more on every eventless step.
 */
function predecessorsFinished(predecessors: readonly string[]): Guard {
  const check = (snapshot: { value: unknown }) => {
    const regions = (snapshot.value as { running?: Record<string, string> }).running;
    if (!regions) return false;
    for (const predecessor of predecessors) {
      const state = regions[predecessor];
      if (state !== 'done' && state !== 'skipped') return false;
    }
    return true;
  };
  const unlocked = () => false;
  return Object.assign(unlocked, { check }) as unknown as Guard;
}

export type InstanceMachine = ReturnType<typeof emitMachine>;
