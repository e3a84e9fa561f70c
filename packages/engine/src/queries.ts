import type { Database } from '@milepost/db';
import type { Workflows } from './workflows.ts';
import { NotFoundError } from './errors.ts';

export interface Task {
  instanceId: string;
  milestoneId: string;
  milestoneName: string;
  state: 'ready' | 'active';
  workflowKey: string;
  workflowName: string;
  version: number;
  accountId: string;
  accountName: string;
  assigneeId: string | null;
  readyAt: number | null;
  dueAt: number | null;
  overdue: boolean;
}

export interface InstanceMilestoneView {
  id: string;
  name: string;
  description: string;
  targetDays: number;
  /** Ids of the milestones this one waits for. */
  predecessors: string[];
  position: { x: number; y: number };
  state: string;
  assigneeId: string | null;
  assigneeName: string | null;
  readyAt: number | null;
  startedAt: number | null;
  doneAt: number | null;
  dueAt: number | null;
  overdue: boolean;
  items: { id: string; title: string; required: boolean; done: boolean }[];
  note: string | null;
}

export interface TransitionView {
  id: number;
  milestoneId: string | null;
  from: string | null;
  to: string;
  at: number;
  userId: string | null;
  userName: string | null;
  simulated: boolean;
  detail: unknown;
}

export interface InstanceView {
  id: string;
  workflowKey: string;
  workflowName: string;
  version: number;
  accountId: string;
  accountName: string;
  ownerId: string | null;
  status: string;
  revision: number;
  anchorDate: string | null;
  startedAt: number;
  endedAt: number | null;
  milestones: InstanceMilestoneView[];
  transitions: TransitionView[];
}

/** Read models over instances: task lists and the instance page. */
export class Queries {
  constructor(
    private readonly database: Database,
    private readonly workflows: Workflows,
    private readonly now: () => number,
  ) {}

  /** Ready and active milestones of running instances, for one assignee or for everyone. */
  async openTasks(
    filter: { assigneeId?: string; accountId?: string; workflowKey?: string } = {},
  ): Promise<Task[]> {
    let query = this.database.db
      .selectFrom('instance_milestones as m')
      .innerJoin('instances as i', 'i.id', 'm.instance_id')
      .innerJoin('accounts as a', 'a.id', 'i.account_id')
      .innerJoin('workflows as w', 'w.key', 'i.workflow_key')
      .select([
        'm.instance_id',
        'm.milestone_id',
        'm.state',
        'm.assignee_id',
        'm.ready_at',
        'm.due_at',
        'i.workflow_key',
        'i.version_id',
        'w.name as workflow_name',
        'a.id as account_id',
        'a.name as account_name',
      ])
      .where('m.state', 'in', ['ready', 'active'])
      .where('i.status', '=', 'running')
      .orderBy('m.due_at')
      .orderBy('m.ready_at');
    if (filter.assigneeId) query = query.where('m.assignee_id', '=', filter.assigneeId);
    if (filter.accountId) query = query.where('i.account_id', '=', filter.accountId);
    if (filter.workflowKey) query = query.where('i.workflow_key', '=', filter.workflowKey);

    const now = this.now();
    const rows = await query.execute();
    return Promise.all(
      rows.map(async (row) => {
        const version = await this.workflows.byId(row.version_id);
        const milestone = version.definition.milestones.find((m) => m.id === row.milestone_id);
        return {
          instanceId: row.instance_id,
          milestoneId: row.milestone_id,
          milestoneName: milestone?.name ?? row.milestone_id,
          state: row.state as 'ready' | 'active',
          workflowKey: row.workflow_key,
          workflowName: row.workflow_name,
          version: version.version,
          accountId: row.account_id,
          accountName: row.account_name,
          assigneeId: row.assignee_id,
          readyAt: row.ready_at,
          dueAt: row.due_at,
          overdue: row.due_at !== null && row.due_at < now,
        };
      }),
    );
  }

  /** Reads one instance with its milestones (names, states, due dates, items) and transitions. */
  async instance(id: string): Promise<InstanceView> {
    const db = this.database.db;
    const row = await db
      .selectFrom('instances as i')
      .innerJoin('accounts as a', 'a.id', 'i.account_id')
      .select([
        'i.id',
        'i.workflow_key',
        'i.version_id',
        'i.account_id',
        'i.status',
        'i.revision',
        'i.anchor_date',
        'i.started_at',
        'i.ended_at',
        'i.snapshot_json',
        'a.name as account_name',
        'a.owner_id',
      ])
      .where('i.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('instance', id);

    const version = await this.workflows.byId(row.version_id);
    const compiled = await this.workflows.compiled(row.version_id);
    const snapshot = compiled.restore(JSON.parse(row.snapshot_json));
    const milestoneRows = await db
      .selectFrom('instance_milestones as m')
      .leftJoin('users as u', 'u.id', 'm.assignee_id')
      .selectAll('m')
      .select('u.name as assignee_name')
      .where('m.instance_id', '=', id)
      .execute();
    const byId = new Map(milestoneRows.map((m) => [m.milestone_id, m]));
    const now = this.now();

    const milestones = compiled.graph.order.map((milestoneId): InstanceMilestoneView => {
      const definition = compiled.graph.milestones.get(milestoneId)!;
      const stored = byId.get(milestoneId);
      const ticked = compiled.items(snapshot, milestoneId);
      const open = stored?.state === 'ready' || stored?.state === 'active';
      return {
        id: milestoneId,
        name: definition.name,
        description: definition.description,
        targetDays: definition.targetDays,
        predecessors: [...(compiled.graph.predecessors.get(milestoneId) ?? [])],
        position: definition.position,
        state: stored?.state ?? 'locked',
        assigneeId: stored?.assignee_id ?? null,
        assigneeName: stored?.assignee_name ?? null,
        readyAt: stored?.ready_at ?? null,
        startedAt: stored?.started_at ?? null,
        doneAt: stored?.done_at ?? null,
        dueAt: stored?.due_at ?? null,
        overdue: open && stored?.due_at != null && stored.due_at < now,
        items: definition.checklist.map((item) => ({ ...item, done: ticked[item.id] === true })),
        note: stored?.note ?? null,
      };
    });

    const transitions = await db
      .selectFrom('transitions as t')
      .leftJoin('users as u', 'u.id', 't.user_id')
      .selectAll('t')
      .select('u.name as user_name')
      .where('t.instance_id', '=', id)
      .orderBy('t.id')
      .execute();

    return {
      id: row.id,
      workflowKey: row.workflow_key,
      workflowName: version.definition.name,
      version: version.version,
      accountId: row.account_id,
      accountName: row.account_name,
      ownerId: row.owner_id,
      status: row.status,
      revision: row.revision,
      anchorDate: row.anchor_date,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      milestones,
      transitions: transitions.map((t) => ({
        id: t.id,
        milestoneId: t.milestone_id,
        from: t.from_state,
        to: t.to_state,
        at: t.at,
        userId: t.user_id,
        userName: t.user_name,
        simulated: t.simulated === 1,
        detail: t.detail ? JSON.parse(t.detail) : null,
      })),
    };
  }

  /** Instances of one account, newest first. */
  async accountInstances(accountId: string) {
    return this.database.db
      .selectFrom('instances')
      .select(['id', 'workflow_key', 'status', 'started_at', 'ended_at', 'revision'])
      .where('account_id', '=', accountId)
      .orderBy('started_at', 'desc')
      .execute();
  }

  /** Reads the people who may act on an instance: the account's owner and each assignee. */
  async access(
    instanceId: string,
  ): Promise<{ ownerId: string | null; assignees: Map<string, string | null> }> {
    const row = await this.database.db
      .selectFrom('instances as i')
      .innerJoin('accounts as a', 'a.id', 'i.account_id')
      .select('a.owner_id')
      .where('i.id', '=', instanceId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('instance', instanceId);
    const milestones = await this.database.db
      .selectFrom('instance_milestones')
      .select(['milestone_id', 'assignee_id'])
      .where('instance_id', '=', instanceId)
      .execute();
    return {
      ownerId: row.owner_id,
      assignees: new Map(milestones.map((m) => [m.milestone_id, m.assignee_id])),
    };
  }
}
