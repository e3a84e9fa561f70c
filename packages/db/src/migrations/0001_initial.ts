import type { Kysely } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';

// Types follow the conventions in schema.ts: `bigint` epoch milliseconds, `text` JSON and dates,
// `integer` 0/1 booleans. Text primary keys are declared NOT NULL because SQLite, unlike
// PostgreSQL, otherwise accepts NULL in them.

export async function up(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await createUserTables(db);
  await createAccountTables(db);
  await createWorkflowTables(db, dialect);
  await createInstanceTables(db, dialect);
  await createJobTables(db, dialect);
}

async function createUserTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('email', 'text', (column) => column.notNull().unique())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();

  // Deleting a user ends their sessions.
  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('user_id', 'text', (column) =>
      column.notNull().references('users.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('expires_at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_id_idx').on('sessions').column('user_id').execute();
}

async function createAccountTables(db: Kysely<unknown>): Promise<void> {
  // Deleting a user leaves their accounts without an owner.
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('owner_id', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addColumn('segment', 'text')
    .addColumn('stage', 'text')
    .addColumn('dates_json', 'text', (column) => column.notNull().defaultTo('{}'))
    .addColumn('fields_json', 'text', (column) => column.notNull().defaultTo('{}'))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
  for (const column of ['owner_id', 'segment', 'stage', 'name']) {
    await db.schema.createIndex(`accounts_${column}_idx`).on('accounts').column(column).execute();
  }
}

async function createWorkflowTables(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('workflows')
    .addColumn('key', 'text', (column) => column.primaryKey().notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text', (column) => column.notNull().defaultTo(''))
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addColumn('archived_at', 'bigint')
    .execute();

  await db.schema
    .createTable('workflow_versions')
    .addColumn('id', 'integer', dialect.identityColumn)
    .addColumn('workflow_key', 'text', (column) => column.notNull().references('workflows.key'))
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('definition_json', 'text', (column) => column.notNull())
    .addColumn('content_hash', 'text', (column) => column.notNull())
    .addColumn('published_by', 'text', (column) =>
      column.references('users.id').onDelete('set null'),
    )
    .addColumn('published_at', 'bigint', (column) => column.notNull())
    .addUniqueConstraint('workflow_versions_workflow_key_version_key', ['workflow_key', 'version'])
    .execute();
}

async function createInstanceTables(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('instances')
    .addColumn('id', 'text', (column) => column.primaryKey().notNull())
    .addColumn('workflow_key', 'text', (column) => column.notNull())
    .addColumn('version_id', 'integer', (column) =>
      column.notNull().references('workflow_versions.id'),
    )
    .addColumn('account_id', 'text', (column) => column.notNull().references('accounts.id'))
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('snapshot_json', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull().defaultTo(1))
    .addColumn('anchor_date', 'text')
    .addColumn('occurrence_key', 'text', (column) => column.unique())
    .addColumn('started_at', 'bigint', (column) => column.notNull())
    .addColumn('started_by', 'text')
    .addColumn('ended_at', 'bigint')
    .addColumn('paused_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('instances_account_id_idx')
    .on('instances')
    .column('account_id')
    .execute();
  await db.schema
    .createIndex('instances_workflow_key_status_idx')
    .on('instances')
    .columns(['workflow_key', 'status'])
    .execute();
  await db.schema
    .createIndex('instances_version_id_idx')
    .on('instances')
    .column('version_id')
    .execute();

  // Deleting a user unassigns their milestones.
  await db.schema
    .createTable('instance_milestones')
    .addColumn('instance_id', 'text', (column) => column.notNull().references('instances.id'))
    .addColumn('milestone_id', 'text', (column) => column.notNull())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('assignee_id', 'text', (column) =>
      column.references('users.id').onDelete('set null'),
    )
    .addColumn('ready_at', 'bigint')
    .addColumn('started_at', 'bigint')
    .addColumn('done_at', 'bigint')
    .addColumn('due_at', 'bigint')
    .addColumn('overdue_at', 'bigint')
    .addColumn('paused_ms', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('active_paused_ms', 'bigint', (column) => column.notNull().defaultTo(0))
    .addColumn('note', 'text')
    .addPrimaryKeyConstraint('instance_milestones_pkey', ['instance_id', 'milestone_id'])
    .execute();
  await db.schema
    .createIndex('instance_milestones_assignee_id_state_idx')
    .on('instance_milestones')
    .columns(['assignee_id', 'state'])
    .execute();
  await db.schema
    .createIndex('instance_milestones_state_due_at_idx')
    .on('instance_milestones')
    .columns(['state', 'due_at'])
    .execute();

  await db.schema
    .createTable('transitions')
    .addColumn('id', 'integer', dialect.identityColumn)
    .addColumn('instance_id', 'text', (column) => column.notNull().references('instances.id'))
    .addColumn('milestone_id', 'text')
    .addColumn('from_state', 'text')
    .addColumn('to_state', 'text', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('user_id', 'text')
    .addColumn('simulated', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('detail', 'text')
    .execute();
  await db.schema
    .createIndex('transitions_instance_id_id_idx')
    .on('transitions')
    .columns(['instance_id', 'id'])
    .execute();
  await db.schema
    .createIndex('transitions_milestone_id_idx')
    .on('transitions')
    .column('milestone_id')
    .execute();

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('key', 'text', (column) => column.primaryKey().notNull())
    .addColumn('instance_id', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute();
}

async function createJobTables(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'integer', dialect.identityColumn)
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('key', 'text', (column) => column.notNull().unique())
    .addColumn('run_at', 'bigint', (column) => column.notNull())
    .addColumn('payload_json', 'text', (column) => column.notNull().defaultTo('{}'))
    .addColumn('claimed_by', 'text')
    .addColumn('claimed_until', 'bigint')
    .addColumn('done_at', 'bigint')
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .execute();
  await db.schema
    .createIndex('jobs_done_at_run_at_idx')
    .on('jobs')
    .columns(['done_at', 'run_at'])
    .execute();
}
