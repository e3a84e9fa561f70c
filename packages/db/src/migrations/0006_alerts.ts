import { sql, type Kysely } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';

// Metrics, API tokens, playbooks, alert types and alerts with their tasks' steps, and the alert
// that a notification is about.
//
// An alert is one firing of an alert type for one account, and is also the alert task its owner
// works: its steps are copied from the playbook version current at the firing. At most one alert
// of a type per account is open or snoozed at a time, which a partial unique index enforces.

export async function up(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await createMetricTables(db, dialect);
  await createPlaybookTables(db, dialect);
  await createAlertTables(db, dialect);

  // Notifications about an alert task (raised, overdue) link to it.
  await db.schema
    .alterTable('notifications')
    .addColumn('alert_id', 'integer', (column) =>
      column.references('alerts.id').onDelete('cascade'),
    )
    .execute();
}

async function createMetricTables(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  // One value per metric, account and day; a re-import replaces it. On SQLite the table is
  // stored in its primary key (WITHOUT ROWID), so alert evaluation reads each account's days
  // from one index without a second lookup per row.
  await db.schema
    .createTable('metrics')
    .addColumn('metric', 'text', (column) => column.notNull())
    .addColumn('account_id', 'text', (column) => column.notNull())
    .addColumn('day', 'text', (column) => column.notNull())
    .addColumn('value', 'double precision', (column) => column.notNull())
    .addPrimaryKeyConstraint('metrics_pkey', ['metric', 'account_id', 'day'])
    .$call((builder) =>
      dialect.name === 'sqlite' ? builder.modifyEnd(sql`without rowid`) : builder,
    )
    .execute();
  // The account page lists one account's metrics and their recent days.
  await db.schema
    .createIndex('metrics_account_day_idx')
    .on('metrics')
    .columns(['account_id', 'day'])
    .execute();

  // Tokens for the ingestion endpoint. `id` is the SHA-256 digest of the secret shown once.
  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
}

async function createPlaybookTables(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('playbooks')
    .addColumn('key', 'text', (column) => column.primaryKey().notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('archived_at', 'bigint')
    .execute();

  await db.schema
    .createTable('playbook_drafts')
    .addColumn('playbook_key', 'text', (column) =>
      column.primaryKey().notNull().references('playbooks.key'),
    )
    .addColumn('document_json', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('updated_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();

  await db.schema
    .createTable('playbook_versions')
    .addColumn('id', 'integer', (column) => dialect.identityColumn(column))
    .addColumn('playbook_key', 'text', (column) => column.notNull().references('playbooks.key'))
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('document_json', 'text', (column) => column.notNull())
    .addColumn('content_hash', 'text', (column) => column.notNull())
    .addColumn('published_by', 'text', (column) =>
      column.references('users.id').onDelete('set null'),
    )
    .addColumn('published_at', 'bigint', (column) => column.notNull())
    .addUniqueConstraint('playbook_versions_key_version_key', ['playbook_key', 'version'])
    .execute();
}

async function createAlertTables(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('alert_types')
    .addColumn('key', 'text', (column) => column.primaryKey().notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('definition_json', 'text', (column) => column.notNull())
    .addColumn('enabled', 'integer', (column) => column.notNull().defaultTo(0))
    // Evaluation days up to and including this one have run.
    .addColumn('evaluated_through', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .execute();

  await db.schema
    .createTable('alerts')
    .addColumn('id', 'integer', (column) => dialect.identityColumn(column))
    .addColumn('alert_type_key', 'text', (column) => column.notNull().references('alert_types.key'))
    .addColumn('account_id', 'text', (column) => column.notNull().references('accounts.id'))
    // The evaluation day that raised it.
    .addColumn('fired_on', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('severity', 'text', (column) => column.notNull())
    .addColumn('owner_id', 'text', (column) => column.references('users.id').onDelete('set null'))
    // The rule's measurements, such as both weekly sums.
    .addColumn('detail_json', 'text', (column) => column.notNull().defaultTo('{}'))
    .addColumn('playbook_version_id', 'integer', (column) =>
      column.references('playbook_versions.id'),
    )
    .addColumn('due_at', 'bigint', (column) => column.notNull())
    .addColumn('overdue_at', 'bigint')
    .addColumn('snoozed_until', 'bigint')
    .addColumn('outcome', 'text')
    .addColumn('note', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('closed_at', 'bigint')
    .addColumn('closed_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .execute();
  await db.schema
    .createIndex('alerts_one_open_idx')
    .on('alerts')
    .columns(['alert_type_key', 'account_id'])
    .unique()
    .where(sql.ref('status'), 'in', sql`('open', 'snoozed')`)
    .execute();
  await db.schema
    .createIndex('alerts_type_account_fired_idx')
    .on('alerts')
    .columns(['alert_type_key', 'account_id', 'fired_on'])
    .execute();
  await db.schema
    .createIndex('alerts_owner_status_idx')
    .on('alerts')
    .columns(['owner_id', 'status'])
    .execute();
  await db.schema.createIndex('alerts_account_idx').on('alerts').column('account_id').execute();

  // The alert task's subtasks: the playbook's steps as they were when the alert fired.
  await db.schema
    .createTable('alert_steps')
    .addColumn('alert_id', 'integer', (column) =>
      column.notNull().references('alerts.id').onDelete('cascade'),
    )
    .addColumn('step_id', 'text', (column) => column.notNull())
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('guidance_json', 'text', (column) => column.notNull())
    .addColumn('done_at', 'bigint')
    .addColumn('done_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addPrimaryKeyConstraint('alert_steps_pkey', ['alert_id', 'step_id'])
    .execute();

  // The history of each alert task: raised, step ticked, snoozed, woken, closed, dismissed.
  await db.schema
    .createTable('alert_events')
    .addColumn('id', 'integer', (column) => dialect.identityColumn(column))
    .addColumn('alert_id', 'integer', (column) =>
      column.notNull().references('alerts.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('user_id', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('alert_events_alert_idx')
    .on('alert_events')
    .columns(['alert_id', 'id'])
    .execute();
}
