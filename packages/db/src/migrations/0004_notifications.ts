import type { Kysely } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';

// In-app notifications (a task assigned, due tomorrow, gone overdue) and each user's choice of
// a daily email digest.

export async function up(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('notifications')
    .addColumn('id', 'integer', (column) => dialect.identityColumn(column))
    .addColumn('user_id', 'text', (column) =>
      column.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (column) => column.notNull())
    // One notification per (user, kind, task and moment), however often a job runs.
    .addColumn('key', 'text', (column) => column.notNull().unique())
    .addColumn('instance_id', 'text')
    .addColumn('milestone_id', 'text')
    .addColumn('message', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('read_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('notifications_user_idx')
    .on('notifications')
    .columns(['user_id', 'read_at', 'id'])
    .execute();

  await db.schema
    .alterTable('users')
    .addColumn('daily_digest', 'integer', (column) => column.notNull().defaultTo(0))
    .execute();
}
