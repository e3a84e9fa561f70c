import type { Kysely } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';

// Deployment rules belong to a workflow, not to a version, so they live beside the versions.
// Account events record creations and stage changes for the event triggers, and instances
// remember the rule that started them, for exit conditions and per-rule counts.

export async function up(db: Kysely<unknown>, dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('workflow_rules')
    .addColumn('workflow_key', 'text', (column) => column.notNull().references('workflows.key'))
    .addColumn('rule_id', 'text', (column) => column.notNull())
    .addColumn('rule_json', 'text', (column) => column.notNull())
    .addColumn('enabled', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('enabled_at', 'bigint')
    // Occurrences starting on or before this date have been handled.
    .addColumn('evaluated_through', 'text')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('workflow_rules_pk', ['workflow_key', 'rule_id'])
    .execute();

  await db.schema
    .createTable('account_events')
    .addColumn('id', 'integer', (column) => dialect.identityColumn(column))
    .addColumn('account_id', 'text', (column) =>
      column.notNull().references('accounts.id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (column) => column.notNull())
    .addColumn('value', 'text')
    .addColumn('at', 'bigint', (column) => column.notNull())
    .execute();
  await db.schema
    .createIndex('account_events_kind_at_idx')
    .on('account_events')
    .columns(['kind', 'at'])
    .execute();

  await db.schema.alterTable('instances').addColumn('rule_id', 'text').execute();
  await db.schema
    .createIndex('instances_rule_idx')
    .on('instances')
    .columns(['workflow_key', 'rule_id', 'status'])
    .execute();
}
