import { evaluateCondition, type Milestone } from '@milepost/model';
import { and, assign, setup, type StateNodeConfig } from 'xstate';
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

/** The history state `RESUME` returns to. `$` keeps it apart from every valid milestone id. */
const RESUME_STATE = '$resume';

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
    regions[id] = milestoneRegion(graph, graph.milestones.get(id)!);
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
        states: { ...regions, [RESUME_STATE]: { type: 'history', history: 'deep' } },
        onDone: 'completed',
        on: { PAUSE: 'paused', CANCEL: 'cancelled' },
      },
      paused: { on: { RESUME: `running.${RESUME_STATE}`, CANCEL: 'cancelled' } },
      completed: { type: 'final' },
      cancelled: { type: 'final' },
    },
  } as never);
}

function milestoneRegion(graph: WorkflowGraph, milestone: Milestone): RegionConfig {
  const id = milestone.id as string;
  const predecessors = graph.predecessors.get(id) ?? [];
  const isMine = guard(({ event }) => 'milestoneId' in event && event.milestoneId === id);
  const itemIds = new Set(milestone.checklist.map((item) => item.id));

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
  const requiredTicked = requiredItemsTicked(milestone);
  const canComplete = guard((args) => isMineArgs(args, id) && requiredTicked(args.context));

  // A milestone unlocks in the same step as the event that finishes its last predecessor.
  // Milestones that a condition may skip finish without an event, so the successors of such
  // milestones (and roots with a condition) also unlock through eventless transitions.
  const unlockOn = (type: 'COMPLETE' | 'SKIP') => {
    const unlocked = unlockedBy(graph, predecessors, type);
    return [
      { guard: and([unlocked, conditionFails]), target: 'skipped' },
      { guard: unlocked, target: 'ready' },
    ];
  };
  const finished = predecessorsFinished(predecessors);
  const eventless =
    (predecessors.length === 0 && condition !== undefined) ||
    predecessors.some((p) => graph.milestones.get(p)?.condition !== undefined);
  const startsReady = predecessors.length === 0 && condition === undefined;

  return {
    initial: startsReady ? 'ready' : 'locked',
    states: {
      locked: {
        ...(eventless
          ? {
              always: [
                { guard: and([finished, conditionFails]), target: 'skipped' },
                { guard: finished, target: 'ready' },
              ],
            }
          : {}),
        on: {
          COMPLETE: unlockOn('COMPLETE'),
          SKIP: [{ guard: isMine, target: 'skipped' }, ...unlockOn('SKIP')],
        },
      },
      ready: {
        on: {
          START: { guard: isMine, target: 'active' },
          TOGGLE_ITEM: { guard: isKnownItem, target: 'active', actions: toggleItem },
          COMPLETE: { guard: canComplete, target: 'done' },
          SKIP: { guard: isMine, target: 'skipped' },
        },
      },
      active: {
        on: {
          TOGGLE_ITEM: { guard: isKnownItem, actions: toggleItem },
          COMPLETE: { guard: canComplete, target: 'done' },
          SKIP: { guard: isMine, target: 'skipped' },
        },
      },
      done: { type: 'final' },
      skipped: { type: 'final' },
    },
  } as unknown as RegionConfig;
}

function isMineArgs({ event }: GuardArgs, id: string): boolean {
  return 'milestoneId' in event && event.milestoneId === id;
}

/** Builds a check that every required checklist item of a milestone is ticked. */
function requiredItemsTicked(milestone: Milestone) {
  const required = milestone.checklist.filter((item) => item.required).map((item) => item.id);
  return (context: InstanceContext) =>
    required.every((itemId) => context.items[milestone.id]?.[itemId] === true);
}

type Regions = Record<string, string> | undefined;
const regionsOf = (snapshot: { value: unknown }): Regions =>
  (snapshot.value as { running?: Record<string, string> }).running;
const isFinished = (state: string | undefined) => state === 'done' || state === 'skipped';

/**
 * Builds the guard of a locked milestone that holds when the event finishes its last unfinished
 * predecessor: a COMPLETE the predecessor accepts (ready or active, required items ticked) or
 * a SKIP of a predecessor that is not finished, while every other predecessor is finished.
 * It mirrors the predecessor's own guards, so both regions move in one step.
 */
function unlockedBy(
  graph: WorkflowGraph,
  predecessors: readonly string[],
  type: 'COMPLETE' | 'SKIP',
): Guard {
  const ticked = new Map(
    predecessors.map((p) => [p, requiredItemsTicked(graph.milestones.get(p)!)] as const),
  );
  return snapshotGuard((snapshot, { context, event }) => {
    if (event.type !== type) return false;
    const regions = regionsOf(snapshot);
    const finishing = event.milestoneId;
    if (!regions || !ticked.has(finishing)) return false;

    const state = regions[finishing];
    const accepted =
      type === 'COMPLETE'
        ? (state === 'ready' || state === 'active') && ticked.get(finishing)!(context)
        : !isFinished(state);
    return accepted && predecessors.every((p) => p === finishing || isFinished(regions[p]));
  });
}

/**
 * Builds a guard that reads the snapshot, through the `check` hook XState's own `stateIn`
 * guard uses; composing `stateIn` guards costs several times more on every step.
 */
function snapshotGuard(check: (snapshot: { value: unknown }, args: GuardArgs) => boolean): Guard {
  const placeholder = () => false;
  return Object.assign(placeholder, { check }) as unknown as Guard;
}

/** Builds a guard that holds once every predecessor is done or skipped. */
function predecessorsFinished(predecessors: readonly string[]): Guard {
  return snapshotGuard((snapshot) => {
    const regions = regionsOf(snapshot);
    return regions !== undefined && predecessors.every((p) => isFinished(regions[p]));
  });
}

export type InstanceMachine = ReturnType<typeof emitMachine>;
