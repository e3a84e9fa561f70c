import type { Kysely } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';

// Total time an instance spent paused, so a workflow's duration can exclude it. Written in the
// same transaction as the resume transition.

export async function up(db: Kysely<unknown>, _dialect: DialectModule): Promise<void> {
  await db.schema
    .alterTable('instances')
    .addColumn('paused_ms', 'bigint', (column) => column.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createIndex('instance_milestones_milestone_idx')
    .on('instance_milestones')
    .columns(['milestone_id', 'state'])
    .execute();
}
