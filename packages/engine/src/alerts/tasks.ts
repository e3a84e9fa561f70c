import type { AlertStatus, Database, Tables } from '@milepost/db';
import { AlertRule, type PlaybookInput, type RichText, type Role } from '@milepost/model';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.ts';
import { ForbiddenError, InvalidRequestError, NotFoundError } from '../errors.ts';
import { alertDueJob, enqueueJobs } from '../jobs.ts';
import { enqueueNotifications } from '../notifications.ts';
import { renderPlaybook, renderRichText, type RenderedPlaybook } from '../playbooks/render.ts';

/** Outcomes an owner may close an alert task with. */
export const ALERT_OUTCOMES = [
  'resolved',
  'customer_unreachable',
  'escalated',
  'no_action_needed',
] as const;
export type AlertOutcome = (typeof ALERT_OUTCOMES)[number];

const HOUR_MS = 3_600_000;
/** The response time of an alert type whose definition cannot be read. */
const DEFAULT_RESPONSE_HOURS = 48;

type Db = Kysely<Tables> | Transaction<Tables>;

/** The part of the playbook store that alert tasks read: a published version by id. */
export interface PlaybookVersionSource {
  version(
    id: number,
  ): Promise<{ id: number; key: string; version: number; playbook: PlaybookInput }>;
}

/** Filters of the alert task list. Each given field narrows it, and none lists every alert. */
export interface AlertTaskFilter {
  ownerId?: string;
  /** Statuses to include, or all statuses when absent. */
  status?: readonly AlertStatus[];
  typeKey?: string;
  accountId?: string;
  limit?: number;
}

/** One alert task as the task lists show it. */
export interface AlertTaskSummary {
  id: number;
  typeKey: string;
  typeName: string;
  severity: string;
  accountId: string;
  accountName: string;
  ownerId: string | null;
  ownerName: string | null;
  status: AlertStatus;
  firedOn: string;
  dueAt: number;
  /** True while it is open and past its due time, whether or not the scheduler has marked it. */
  overdue: boolean;
  snoozedUntil: number | null;
  outcome: string | null;
  createdAt: number;
  closedAt: number | null;
  steps: { done: number; total: number };
}

export interface AlertStepView {
  id: string;
  title: string;
  /** The step's guidance as sanitized HTML. */
  guidanceHtml: string;
  done: boolean;
  doneAt: number | null;
  doneBy: string | null;
}

export interface AlertEventView {
  id: number;
  kind: string;
  at: number;
  userId: string | null;
  userName: string | null;
  detail: Record<string, unknown> | null;
}

/** An alert task with its steps, playbook, what the rule measured and its history. */
export interface AlertTaskDetail extends AlertTaskSummary {
  detail: Record<string, unknown>;
  /**
   * The alert type's rule, which names the metric and windows behind `detail`, or null when the
   * stored definition cannot be read.
   * NOTE: this is the rule as it is now; an edit since the alert fired changes the labels.
   */
  rule: AlertRule | null;
  note: string | null;
  closedBy: string | null;
  overdueAt: number | null;
  steps: { done: number; total: number };
  stepList: AlertStepView[];
  /** The rendered playbook version whose steps were copied, or null when the type has none. */
  playbook: (RenderedPlaybook & { versionId: number; key: string; version: number }) | null;
  events: AlertEventView[];
}

interface AlertRow {
  id: number;
  status: AlertStatus;
  owner_id: string | null;
  alert_type_key: string;
  account_id: string;
  due_at: number;
  snoozed_until: number | null;
}

/**
 * Alert tasks as their owners work them: list, read, tick steps, close with an outcome, dismiss,
 * snooze. The owner, leads and admins may act on an alert, and a closed or dismissed alert takes no
 * further change. Every change is one transaction with its `alert_events` row.
 */
export class AlertTasks {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly playbooks: PlaybookVersionSource,
  ) {}

  /** Lists alert tasks, open ones first by due time, then the rest by newest firing. */
  async list(filter: AlertTaskFilter = {}): Promise<AlertTaskSummary[]> {
    let query = summaryQuery(this.database.db);
    if (filter.ownerId) query = query.where('al.owner_id', '=', filter.ownerId);
    if (filter.status?.length) query = query.where('al.status', 'in', [...filter.status]);
    if (filter.typeKey) query = query.where('al.alert_type_key', '=', filter.typeKey);
    if (filter.accountId) query = query.where('al.account_id', '=', filter.accountId);
    const rows = await query
      .orderBy((eb) => eb.case().when('al.status', '=', 'open').then(0).else(1).end())
      .orderBy('al.due_at')
      .orderBy('al.id', 'desc')
      .limit(filter.limit ?? 500)
      .execute();
    const now = this.clock.now();
    return rows.map((row) => toSummary(row, now));
  }

  /**
   * Reads one alert task with its steps (guidance as sanitized HTML), the playbook version it was
   * raised with, what the rule measured, and its events. With `userId`, a CSM may read only their
   * own alerts.
   */
  async get(id: number, userId?: string): Promise<AlertTaskDetail> {
    const db = this.database.db;
    const row = await summaryQuery(db)
      .select(['al.detail_json', 'al.note', 'al.closed_by', 'al.overdue_at'])
      .select(['al.playbook_version_id', 't.definition_json'])
      .where('al.id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('alert', String(id));
    if (userId) {
      const role = await roleOf(db, userId);
      if (role === 'csm' && row.owner_id !== userId) {
        throw new ForbiddenError(`Alert ${id} belongs to another CSM. Ask a lead to reassign it.`);
      }
    }

    const steps = await db
      .selectFrom('alert_steps')
      .selectAll()
      .where('alert_id', '=', id)
      .orderBy('position')
      .execute();
    const events = await db
      .selectFrom('alert_events as e')
      .leftJoin('users as u', 'u.id', 'e.user_id')
      .select(['e.id', 'e.kind', 'e.at', 'e.user_id', 'e.detail', 'u.name as user_name'])
      .where('e.alert_id', '=', id)
      .orderBy('e.id')
      .execute();

    let playbook: AlertTaskDetail['playbook'] = null;
    if (row.playbook_version_id !== null) {
      const version = await this.playbooks.version(row.playbook_version_id);
      playbook = {
        ...renderPlaybook(version.playbook),
        versionId: version.id,
        key: version.key,
        version: version.version,
      };
    }

    return {
      ...toSummary(row, this.clock.now()),
      detail: parseObject(row.detail_json) ?? {},
      rule: ruleOf(row.definition_json),
      note: row.note,
      closedBy: row.closed_by,
      overdueAt: row.overdue_at,
      stepList: steps.map((step) => ({
        id: step.step_id,
        title: step.title,
        guidanceHtml: renderRichText(JSON.parse(step.guidance_json) as RichText),
        done: step.done_at !== null,
        doneAt: step.done_at,
        doneBy: step.done_by,
      })),
      playbook,
      events: events.map((event) => ({
        id: event.id,
        kind: event.kind,
        at: event.at,
        userId: event.user_id,
        userName: event.user_name,
        detail: parseObject(event.detail),
      })),
    };
  }

  /** Ticks or unticks a step of an open or snoozed alert task. */
  async tickStep(id: number, stepId: string, done: boolean, userId: string): Promise<void> {
    const now = this.clock.now();
    await this.database.db.transaction().execute(async (trx) => {
      await this.#lockForChange(trx, id, userId, 'tick a step of');
      const result = await trx
        .updateTable('alert_steps')
        .set(done ? { done_at: now, done_by: userId } : { done_at: null, done_by: null })
        .where('alert_id', '=', id)
        .where('step_id', '=', stepId)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) {
        throw new NotFoundError('step', `${stepId} of alert ${id}`, 'Pick a step the task lists.');
      }
      await addEvent(trx, id, 'step', now, userId, { stepId, done });
    });
  }

  /**
   * Closes an alert task with an outcome. Steps need not all be ticked: the event records which
   * were done and which were not.
   */
  async close(id: number, outcome: AlertOutcome, note: string, userId: string): Promise<void> {
    if (!ALERT_OUTCOMES.includes(outcome)) {
      throw new InvalidRequestError(
        `Invalid outcome "${outcome}". Use one of ${ALERT_OUTCOMES.join(', ')}.`,
      );
    }
    const now = this.clock.now();
    await this.database.db.transaction().execute(async (trx) => {
      await this.#lockForChange(trx, id, userId, 'close');
      const steps = await trx
        .selectFrom('alert_steps')
        .select(['step_id', 'done_at'])
        .where('alert_id', '=', id)
        .orderBy('position')
        .execute();
      await trx
        .updateTable('alerts')
        .set({
          status: 'closed',
          outcome,
          note: note.trim() || null,
          closed_at: now,
          closed_by: userId,
          snoozed_until: null,
        })
        .where('id', '=', id)
        .execute();
      await addEvent(trx, id, 'closed', now, userId, {
        outcome,
        note: note.trim() || null,
        stepsDone: steps.filter((s) => s.done_at !== null).map((s) => s.step_id),
        stepsOpen: steps.filter((s) => s.done_at === null).map((s) => s.step_id),
      });
    });
  }

  /** Dismisses an alert task (a false alarm, say) with a reason. */
  async dismiss(id: number, reason: string, userId: string): Promise<void> {
    const trimmed = reason.trim();
    if (!trimmed) {
      throw new InvalidRequestError(`Give a reason to dismiss alert ${id}, e.g. "false alarm".`);
    }
    const now = this.clock.now();
    await this.database.db.transaction().execute(async (trx) => {
      await this.#lockForChange(trx, id, userId, 'dismiss');
      await trx
        .updateTable('alerts')
        .set({
          status: 'dismissed',
          note: trimmed,
          closed_at: now,
          closed_by: userId,
          snoozed_until: null,
        })
        .where('id', '=', id)
        .execute();
      await addEvent(trx, id, 'dismissed', now, userId, { reason: trimmed });
    });
  }

  /**
   * Snoozes an alert task until `until` (epoch ms): it leaves the open list and a scheduler pass
   * reopens it then. The owner gets the type's full response time after it wakes, so the due
   * date moves to `until` plus the response hours when that is later than the current one.
   */
  async snooze(id: number, until: number, userId: string): Promise<{ dueAt: number }> {
    const now = this.clock.now();
    if (!Number.isFinite(until) || until <= now) {
      throw new InvalidRequestError(
        `Snooze alert ${id} until a time after now (${new Date(now).toISOString()}), ` +
          `not ${Number.isFinite(until) ? new Date(until).toISOString() : String(until)}.`,
      );
    }
    return this.database.db.transaction().execute(async (trx) => {
      const alert = await this.#lockForChange(trx, id, userId, 'snooze');
      const responseMs = (await responseHours(trx, alert.alert_type_key)) * HOUR_MS;
      const dueAt = Math.max(alert.due_at, until + responseMs);
      await trx
        .updateTable('alerts')
        .set({ status: 'snoozed', snoozed_until: until, due_at: dueAt, overdue_at: null })
        .where('id', '=', id)
        .execute();
      await addEvent(trx, id, 'snoozed', now, userId, { until, dueAt });
      if (dueAt !== alert.due_at) {
        // The first timer's key is taken, so the moved due date gets a key of its own.
        await enqueueJobs(trx, [{ ...alertDueJob(id, dueAt), key: `alert_due:${id}:${dueAt}` }]);
      }
      return { dueAt };
    });
  }

  /** Loads an alert for a change, checking that it still takes changes and who is acting. */
  async #lockForChange(
    trx: Transaction<Tables>,
    id: number,
    userId: string,
    action: string,
  ): Promise<AlertRow> {
    let query = trx
      .selectFrom('alerts')
      .select([
        'id',
        'status',
        'owner_id',
        'alert_type_key',
        'account_id',
        'due_at',
        'snoozed_until',
      ])
      .where('id', '=', id);
    // Row locks serialize concurrent changes on PostgreSQL; SQLite has one writer anyway.
    if (this.database.dialect === 'postgres') query = query.forUpdate();
    const alert = await query.executeTakeFirst();
    if (!alert) throw new NotFoundError('alert', String(id));

    const role = await roleOf(trx, userId);
    if (role === 'csm' && alert.owner_id !== userId) {
      throw new ForbiddenError(
        `Only the alert's owner, a lead or an admin may ${action} alert ${id}.`,
      );
    }
    if (alert.status === 'closed' || alert.status === 'dismissed') {
      throw new InvalidRequestError(
        `Alert ${id} is ${alert.status} and takes no further changes. ` +
          'A new firing of its type raises a new alert.',
      );
    }
    return alert;
  }
}

/**
 * Marks an alert overdue once: only while it is open, due by now and not marked before. Records
 * an `overdue` event and notifies the owner. A snoozed alert is left alone, because snoozing
 * moved its due date and enqueued a later job.
 */
export async function markAlertOverdue(
  database: Database,
  alertId: number,
  now: number,
): Promise<boolean> {
  return database.db.transaction().execute(async (trx) => {
    const marked = await trx
      .updateTable('alerts')
      .set({ overdue_at: now })
      .where('id', '=', alertId)
      .where('status', '=', 'open')
      .where('overdue_at', 'is', null)
      .where('due_at', '<=', now)
      .executeTakeFirst();
    if (Number(marked.numUpdatedRows) !== 1) return false;

    const row = await trx
      .selectFrom('alerts as al')
      .innerJoin('accounts as a', 'a.id', 'al.account_id')
      .innerJoin('alert_types as t', 't.key', 'al.alert_type_key')
      .select(['al.owner_id', 'al.due_at', 'a.name as account_name', 't.name as type_name'])
      .where('al.id', '=', alertId)
      .executeTakeFirstOrThrow();
    await addEvent(trx, alertId, 'overdue', now, null, { dueAt: row.due_at });
    if (row.owner_id) {
      await enqueueNotifications(trx, [
        {
          user_id: row.owner_id,
          kind: 'overdue',
          key: `alert_overdue:${alertId}:${row.due_at}`,
          instance_id: null,
          milestone_id: null,
          alert_id: alertId,
          message: `Overdue alert: ${row.type_name} for ${row.account_name}.`,
          created_at: now,
        },
      ]);
    }
    return true;
  });
}

/** Reopens snoozed alerts whose snooze has ended, each with a `woken` event. */
export async function wakeSnoozedAlerts(database: Database, now: number): Promise<number> {
  return database.db.transaction().execute(async (trx) => {
    const due = await trx
      .selectFrom('alerts')
      .select('id')
      .where('status', '=', 'snoozed')
      .where('snoozed_until', '<=', now)
      .execute();
    if (due.length === 0) return 0;
    const ids = due.map((row) => row.id);
    await trx
      .updateTable('alerts')
      .set({ status: 'open', snoozed_until: null })
      .where('id', 'in', ids)
      .where('status', '=', 'snoozed')
      .execute();
    await trx
      .insertInto('alert_events')
      .values(ids.map((id) => ({ alert_id: id, kind: 'woken', at: now, user_id: null })))
      .execute();
    return ids.length;
  });
}

function summaryQuery(db: Db) {
  return db
    .selectFrom('alerts as al')
    .innerJoin('accounts as a', 'a.id', 'al.account_id')
    .innerJoin('alert_types as t', 't.key', 'al.alert_type_key')
    .leftJoin('users as u', 'u.id', 'al.owner_id')
    .select((eb) => [
      'al.id',
      'al.alert_type_key',
      't.name as type_name',
      'al.severity',
      'al.account_id',
      'a.name as account_name',
      'al.owner_id',
      'u.name as owner_name',
      'al.status',
      'al.fired_on',
      'al.due_at',
      'al.overdue_at',
      'al.snoozed_until',
      'al.outcome',
      'al.created_at',
      'al.closed_at',
      eb
        .selectFrom('alert_steps as s')
        .select((sb) => sb.fn.countAll<number>().as('n'))
        .whereRef('s.alert_id', '=', 'al.id')
        .as('steps_total'),
      eb
        .selectFrom('alert_steps as s')
        .select((sb) => sb.fn.countAll<number>().as('n'))
        .whereRef('s.alert_id', '=', 'al.id')
        .where('s.done_at', 'is not', null)
        .as('steps_done'),
    ]);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['executeTakeFirstOrThrow']>>;

function toSummary(row: SummaryRow, now: number): AlertTaskSummary {
  return {
    id: Number(row.id),
    typeKey: row.alert_type_key,
    typeName: row.type_name,
    severity: row.severity,
    accountId: row.account_id,
    accountName: row.account_name,
    ownerId: row.owner_id,
    ownerName: row.owner_name,
    status: row.status,
    firedOn: row.fired_on,
    dueAt: Number(row.due_at),
    overdue: row.status === 'open' && (row.overdue_at !== null || row.due_at <= now),
    snoozedUntil: row.snoozed_until === null ? null : Number(row.snoozed_until),
    outcome: row.outcome,
    createdAt: Number(row.created_at),
    closedAt: row.closed_at === null ? null : Number(row.closed_at),
    steps: { done: Number(row.steps_done ?? 0), total: Number(row.steps_total ?? 0) },
  };
}

async function roleOf(db: Db, userId: string): Promise<Role> {
  const user = await db
    .selectFrom('users')
    .select('role')
    .where('id', '=', userId)
    .executeTakeFirst();
  if (!user) throw new NotFoundError('user', userId);
  return user.role as Role;
}

async function responseHours(db: Db, typeKey: string): Promise<number> {
  const row = await db
    .selectFrom('alert_types')
    .select('definition_json')
    .where('key', '=', typeKey)
    .executeTakeFirst();
  const hours = row ? parseObject(row.definition_json)?.['responseHours'] : undefined;
  return typeof hours === 'number' && hours > 0 ? hours : DEFAULT_RESPONSE_HOURS;
}

async function addEvent(
  trx: Transaction<Tables>,
  alertId: number,
  kind: string,
  at: number,
  userId: string | null,
  detail: Record<string, unknown>,
): Promise<void> {
  await trx
    .insertInto('alert_events')
    .values({ alert_id: alertId, kind, at, user_id: userId, detail: JSON.stringify(detail) })
    .execute();
}

function ruleOf(definitionJson: string): AlertRule | null {
  const parsed = AlertRule.safeParse(parseObject(definitionJson)?.rule);
  return parsed.success ? parsed.data : null;
}

function parseObject(text: string | null): Record<string, unknown> | null {
  if (!text) return null;
  const value = JSON.parse(text) as unknown;
  return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
}
