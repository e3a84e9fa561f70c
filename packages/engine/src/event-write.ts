import type {
  CompiledWorkflow,
  InstanceSnapshot,
  InstanceStatus,
  MilestoneState,
} from '@milepost/compiler';
import type { Tables, TransitionsTable } from '@milepost/db';
import type { Insertable, Updateable } from 'kysely';
import { dueMovesWithPause, readyFields, type ReadyContext } from './assignment.ts';
import type { InstanceEvent } from '@milepost/compiler';
import { dueJob } from './jobs.ts';
import { DAY_MS } from '@milepost/model';
import { assignedNotification } from './notifications.ts';
import { insertRows, type WriteContext } from './query-templates.ts';

type TransitionRow = Insertable<TransitionsTable>;
type MilestoneUpdate = Updateable<Tables['instance_milestones']>;

/** Everything one accepted event writes, computed before the transaction starts. */
export interface EventWrite {
  instanceId: string;
  /** The revision the event was applied to; the write fails if another write changed it. */
  baseRevision: number;
  revision: number;
  snapshotJson: string;
  status: InstanceStatus;
  pausedAt: number | null;
  endedAt: number | null;
  idempotencyKey: string | undefined;
  transitions: TransitionRow[];
  /** Milestone rows to update. `unlocked` ones were locked and may have no row yet. */
  milestones: { id: string; set: MilestoneUpdate; unlocked: boolean }[];
  /** Notifications to the assignees of milestones that became ready. */
  notifications: Insertable<Tables['notifications']>[];
  /** Milestones marked done, with their targets, whose durations the batch records. */
  finished: { milestoneId: string; targetMs: number }[];
  /** Paused time to add to open milestones when the instance resumes. */
  resumed: { pausedMs: number; open: { id: string; active: boolean; moveDue: boolean }[] } | null;
}

/** Columns of the rows the write path inserts. */
export const TRANSITION_COLUMNS = [
  'instance_id',
  'at',
  'user_id',
  'simulated',
  'milestone_id',
  'from_state',
  'to_state',
  'detail',
] as const;

export const JOB_COLUMNS = ['kind', 'key', 'run_at', 'payload_json'] as const;

export const NOTIFICATION_COLUMNS = [
  'user_id',
  'kind',
  'key',
  'instance_id',
  'milestone_id',
  'message',
  'created_at',
] as const;

/** The outcome of one write inside a batch. */
export type WriteOutcome = 'written' | 'stale' | 'duplicate_key';

export interface PlanInput {
  compiled: CompiledWorkflow;
  instanceId: string;
  baseRevision: number;
  pausedAt: number | null;
  before: InstanceSnapshot;
  next: InstanceSnapshot;
  event: InstanceEvent;
  now: number;
  userId: string | null;
  simulated: boolean;
  idempotencyKey: string | undefined;
  reason?: string | undefined;
  /** Needed when a milestone becomes ready, to resolve its assignee and due date. */
  readyContext: ReadyContext | undefined;
}

/** Lists the milestones whose state differs between two snapshots. */
export function changedMilestones(
  before: Record<string, MilestoneState>,
  after: Record<string, MilestoneState>,
): string[] {
  return Object.keys(after).filter((id) => after[id] !== before[id]);
}

/**
 * Plans the rows an accepted event writes: the new snapshot, one transition per changed
 * milestone (and per ticked item, and per instance status change) and the milestone rows.
 */
export function planWrite(input: PlanInput): EventWrite {
  const { compiled, event, now } = input;
  const statusBefore = compiled.status(input.before);
  const status = compiled.status(input.next);
  const before = compiled.states(input.before);
  const after = compiled.states(input.next);
  const changed = changedMilestones(before, after);

  const base = {
    instance_id: input.instanceId,
    at: now,
    user_id: input.userId,
    simulated: (input.simulated ? 1 : 0) as 0 | 1,
  };
  const itemDetail =
    event.type === 'TOGGLE_ITEM' ? JSON.stringify({ item: event.itemId, done: event.done }) : null;
  const transitions: TransitionRow[] = changed.map((id) => ({
    ...base,
    milestone_id: id,
    from_state: before[id] ?? null,
    to_state: after[id]!,
    detail: event.type === 'TOGGLE_ITEM' && event.milestoneId === id ? itemDetail : null,
  }));
  if (event.type === 'TOGGLE_ITEM' && !changed.includes(event.milestoneId)) {
    const state = after[event.milestoneId]!;
    transitions.push({
      ...base,
      milestone_id: event.milestoneId,
      from_state: state,
      to_state: state,
      detail: itemDetail,
    });
  }
  if (status !== statusBefore) {
    transitions.push({
      ...base,
      milestone_id: null,
      from_state: statusBefore,
      to_state: status,
      detail: input.reason ? JSON.stringify({ reason: input.reason }) : null,
    });
  }

  const milestones = changed.map((id) => {
    const state = after[id]!;
    const set: MilestoneUpdate =
      state === 'ready'
        ? { state, ready_at: now, ...readyFields(compiled, id, now, input.readyContext!) }
        : state === 'active'
          ? { state, started_at: now }
          : state === 'done' || state === 'skipped'
            ? { state, done_at: now }
            : { state };
    return { id, set, unlocked: (before[id] ?? 'locked') === 'locked' };
  });

  const pausedMs =
    statusBefore === 'paused' && status === 'running' ? now - (input.pausedAt ?? now) : 0;
  const open = Object.entries(after)
    .filter(([, state]) => state === 'ready' || state === 'active')
    .map(([id, state]) => ({
      id,
      active: state === 'active',
      moveDue: dueMovesWithPause(compiled, id),
    }));

  const notifications = milestones.flatMap(({ id, set }) =>
    typeof set.assignee_id === 'string'
      ? [
          assignedNotification(
            set.assignee_id,
            input.instanceId,
            id,
            {
              milestone: compiled.graph.milestones.get(id)!.name,
              account: String(input.readyContext?.account.name ?? ''),
            },
            now,
          ),
        ]
      : [],
  );

  return {
    instanceId: input.instanceId,
    notifications,
    baseRevision: input.baseRevision,
    revision: input.baseRevision + 1,
    snapshotJson: compiled.serialize(input.next),
    status,
    pausedAt: status === 'paused' ? now : null,
    endedAt: status === 'completed' || status === 'cancelled' ? now : null,
    idempotencyKey: input.idempotencyKey,
    transitions,
    milestones,
    finished: milestones
      .filter(({ set }) => set.state === 'done')
      .map(({ id }) => ({
        milestoneId: id,
        targetMs: Math.round(compiled.graph.milestones.get(id)!.targetDays * DAY_MS),
      })),
    resumed: pausedMs > 0 ? { pausedMs, open } : null,
  };
}

/**
 * Runs one planned write inside a transaction. The guarded update comes first, so a stale
 * write has changed nothing when it reports `stale`. Every statement is a query template, so
 * the write path compiles no SQL after the first use of each shape.
 */
export async function runWrite(context: WriteContext, write: EventWrite): Promise<WriteOutcome> {
  const { runner, db, templates } = context;
  if (write.idempotencyKey) {
    const used = await templates.run(
      runner,
      'select-idempotency-key',
      () =>
        db.selectFrom('idempotency_keys').select('key').where('key', '=', write.idempotencyKey!),
      [write.idempotencyKey],
    );
    if (used.rows.length > 0) return 'duplicate_key';
  }

  const ended = write.endedAt !== null;
  const instanceSet = {
    snapshot_json: write.snapshotJson,
    revision: write.revision,
    status: write.status,
    paused_at: write.pausedAt,
    ...(ended ? { ended_at: write.endedAt } : {}),
  };
  const update = await templates.run(
    runner,
    ended ? 'update-instance-ended' : 'update-instance',
    () =>
      db
        .updateTable('instances')
        .set(instanceSet)
        .where('id', '=', write.instanceId)
        .where('revision', '=', write.baseRevision),
    [...Object.values(instanceSet), write.instanceId, write.baseRevision],
  );
  if (Number(update.numAffectedRows ?? 0) !== 1) return 'stale';

  const at = write.transitions[0]?.at ?? 0;
  if (write.idempotencyKey) {
    const key = { key: write.idempotencyKey, instance_id: write.instanceId, created_at: at };
    await templates.run(
      runner,
      'insert-idempotency-key',
      () => db.insertInto('idempotency_keys').values(key),
      Object.values(key),
    );
  }
  await insertRows(context, 'transitions', TRANSITION_COLUMNS, write.transitions);
  const timers = write.milestones.flatMap(({ id, set }) =>
    typeof set.due_at === 'number' ? [dueJob(write.instanceId, id, set.due_at)] : [],
  );
  await insertRows(context, 'jobs', JOB_COLUMNS, timers, { ignoreConflictOn: 'key' });
  await insertRows(context, 'notifications', NOTIFICATION_COLUMNS, write.notifications, {
    ignoreConflictOn: 'key',
  });
  for (const { id, set, unlocked } of write.milestones) {
    if (unlocked) {
      // A locked milestone may have no row yet: deploys write rows only for the others.
      const row = { instance_id: write.instanceId, milestone_id: id, ...set };
      await templates.run(
        runner,
        `upsert-milestone-${Object.keys(set).join(',')}`,
        () =>
          db
            .insertInto('instance_milestones')
            .values(row as Insertable<Tables['instance_milestones']>)
            .onConflict((conflict) =>
              conflict.columns(['instance_id', 'milestone_id']).doUpdateSet(set),
            ),
        [...Object.values(row), ...Object.values(set)],
      );
      continue;
    }
    await templates.run(
      runner,
      `update-milestone-${Object.keys(set).join(',')}`,
      () =>
        db
          .updateTable('instance_milestones')
          .set(set)
          .where('instance_id', '=', write.instanceId)
          .where('milestone_id', '=', id),
      [...Object.values(set), write.instanceId, id],
    );
  }
  if (write.resumed) await shiftPausedTime(context, write.instanceId, write.resumed);
  return 'written';
}

/**
 * Stops the clock for a pause: open milestones do not count the paused time, and due dates that
 * run from readiness move back by it, with their timers.
 */
async function shiftPausedTime(
  context: WriteContext,
  instanceId: string,
  resumed: NonNullable<EventWrite['resumed']>,
): Promise<void> {
  const { runner, db, templates } = context;
  const { pausedMs } = resumed;
  await templates.run(
    runner,
    'shift-instance-paused',
    () =>
      db
        .updateTable('instances')
        .set((eb) => ({ paused_ms: eb('paused_ms', '+', pausedMs) }))
        .where('id', '=', instanceId),
    [pausedMs, instanceId],
  );
  for (const { id, active, moveDue } of resumed.open) {
    await templates.run(
      runner,
      `shift-milestone-paused-${active}-${moveDue}`,
      () =>
        db
          .updateTable('instance_milestones')
          .set((eb) => ({
            paused_ms: eb('paused_ms', '+', pausedMs),
            ...(active ? { active_paused_ms: eb('active_paused_ms', '+', pausedMs) } : {}),
            ...(moveDue ? { due_at: eb('due_at', '+', pausedMs) } : {}),
          }))
          .where('instance_id', '=', instanceId)
          .where('milestone_id', '=', id),
      [...Array<number>(1 + (active ? 1 : 0) + (moveDue ? 1 : 0)).fill(pausedMs), instanceId, id],
    );
  }
  const moved = await templates.run<{ milestone_id: string; due_at: number }>(
    runner,
    'select-open-due',
    () =>
      db
        .selectFrom('instance_milestones')
        .select(['milestone_id', 'due_at'])
        .where('instance_id', '=', instanceId)
        .where('state', 'in', ['ready', 'active'])
        .where('due_at', 'is not', null),
    [instanceId, 'ready', 'active'],
  );
  const timers = moved.rows.map((row) => dueJob(instanceId, row.milestone_id, row.due_at));
  await insertRows(context, 'jobs', JOB_COLUMNS, timers, { ignoreConflictOn: 'key' });
}
