import type { Database, NotificationsTable, Tables } from '@milepost/db';
import { DAY_MS } from '@milepost/model';
import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Clock } from './clock.ts';
import type { Workflows } from './workflows.ts';

type NotificationRow = Insertable<NotificationsTable>;

export interface Notification {
  id: number;
  kind: NotificationsTable['kind'];
  instanceId: string | null;
  milestoneId: string | null;
  /** The alert task it is about, or null for a workflow task's notification. */
  alertId: number | null;
  message: string;
  createdAt: number;
  read: boolean;
}

/** Builds the notification that a task was assigned to a user. */
export function assignedNotification(
  userId: string,
  instanceId: string,
  milestoneId: string,
  text: { milestone: string; account: string },
  at: number,
): NotificationRow {
  return {
    user_id: userId,
    kind: 'assigned',
    key: `assigned:${userId}:${instanceId}:${milestoneId}:${at}`,
    instance_id: instanceId,
    milestone_id: milestoneId,
    message: `New task: ${text.milestone} for ${text.account}.`,
    created_at: at,
  };
}

/** Adds notifications, leaving out any whose key exists already. */
export async function enqueueNotifications(
  db: Kysely<Tables> | Transaction<Tables>,
  rows: readonly NotificationRow[],
): Promise<void> {
  if (rows.length === 0) return;
  await db
    .insertInto('notifications')
    .values([...rows])
    .onConflict((conflict) => conflict.column('key').doNothing())
    .execute();
}

/** In-app notifications: a task assigned, due tomorrow or gone overdue, or an alert raised. */
export class Notifications {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly workflows: Workflows,
  ) {}

  async list(userId: string, options: { limit?: number } = {}): Promise<Notification[]> {
    const rows = await this.database.db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 50)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      instanceId: row.instance_id,
      milestoneId: row.milestone_id,
      alertId: row.alert_id,
      message: row.message,
      createdAt: row.created_at,
      read: row.read_at !== null,
    }));
  }

  async unreadCount(userId: string): Promise<number> {
    const row = await this.database.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  /** Marks the given notifications, or all of the user's, as read. */
  async markRead(userId: string, ids?: readonly number[]): Promise<number> {
    let query = this.database.db
      .updateTable('notifications')
      .set({ read_at: this.clock.now() })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null);
    if (ids) {
      if (ids.length === 0) return 0;
      query = query.where('id', 'in', [...ids]);
    }
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  /**
   * Notifies the assignees of open milestones due during the next calendar day (UTC), once per
   * milestone and due date.
   */
  async notifyDueTomorrow(): Promise<number> {
    const now = this.clock.now();
    const tomorrow = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
    const rows = await this.database.db
      .selectFrom('instance_milestones as m')
      .innerJoin('instances as i', 'i.id', 'm.instance_id')
      .innerJoin('accounts as a', 'a.id', 'i.account_id')
      .select([
        'm.instance_id',
        'm.milestone_id',
        'm.assignee_id',
        'm.due_at',
        'i.version_id',
        'a.name',
      ])
      .where('i.status', '=', 'running')
      .where('m.state', 'in', ['ready', 'active'])
      .where('m.assignee_id', 'is not', null)
      .where('m.due_at', '>=', tomorrow)
      .where('m.due_at', '<', tomorrow + DAY_MS)
      .execute();
    const notifications = [];
    for (const row of rows) {
      const version = await this.workflows.byId(row.version_id);
      const milestone = version.definition.milestones.find((m) => m.id === row.milestone_id);
      notifications.push({
        user_id: row.assignee_id!,
        kind: 'due_tomorrow' as const,
        key: `due_tomorrow:${row.instance_id}:${row.milestone_id}:${row.due_at}`,
        instance_id: row.instance_id,
        milestone_id: row.milestone_id,
        message: `Due tomorrow: ${milestone?.name ?? row.milestone_id} for ${row.name}.`,
        created_at: now,
      });
    }
    for (let offset = 0; offset < notifications.length; offset += 500) {
      await enqueueNotifications(this.database.db, notifications.slice(offset, offset + 500));
    }
    return notifications.length;
  }
}
