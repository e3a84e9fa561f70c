import type { Kysely } from 'kysely';
import type { DialectModule } from '../dialects/types.ts';

// One editable draft per workflow, beside its published versions. `revision` starts at 1 and
// grows by one on every save, so a save based on an older revision can be detected and rejected.

export async function up(db: Kysely<unknown>, _dialect: DialectModule): Promise<void> {
  await db.schema
    .createTable('workflow_drafts')
    .addColumn('workflow_key', 'text', (column) =>
      column.primaryKey().notNull().references('workflows.key'),
    )
    .addColumn('definition_json', 'text', (column) => column.notNull())
    .addColumn('revision', 'integer', (column) => column.notNull())
    .addColumn('updated_by', 'text', (column) => column.references('users.id').onDelete('set null'))
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute();
}
