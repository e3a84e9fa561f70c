import type { Tables } from '@milepost/db';
import { addDays, dateToMs } from '@milepost/model';
import type { Transaction } from 'kysely';
import { dueJob, enqueueJobs } from './jobs.ts';
import type { Workflows } from './workflows.ts';

/**
 * Moves the due dates of an account's open milestones that hang on account date fields that
 * changed (a renewal date that moved), recording each move as a transition and setting a new
 * due timer. Runs inside the transaction that changes the account.
 */
export async function moveDueDates(
  trx: Transaction<Tables>,
  workflows: Workflows,
  accountId: string,
  changed: ReadonlySet<string>,
  dates: Readonly<Record<string, string>>,
  now: number,
): Promise<number> {
  const open = await trx
    .selectFrom('instance_milestones as m')
    .innerJoin('instances as i', 'i.id', 'm.instance_id')
    .select(['m.instance_id', 'm.milestone_id', 'm.state', 'm.due_at', 'i.version_id'])
    .where('i.account_id', '=', accountId)
    .where('i.status', 'in', ['running', 'paused'])
    .where('m.state', 'in', ['ready', 'active'])
    .execute();

  let moved = 0;
  for (const row of open) {
    const version = await workflows.byId(row.version_id);
    const due = version.definition.milestones.find((m) => m.id === row.milestone_id)?.due;
    if (due?.kind !== 'account_date' || !changed.has(due.field)) continue;

    const date = dates[due.field];
    const dueAt = date ? addDays(dateToMs(date), due.days) : null;
    if (dueAt === row.due_at) continue;

    await trx
      .updateTable('instance_milestones')
      .set({ due_at: dueAt, ...(dueAt === null || dueAt > now ? { overdue_at: null } : {}) })
      .where('instance_id', '=', row.instance_id)
      .where('milestone_id', '=', row.milestone_id)
      .execute();
    await trx
      .insertInto('transitions')
      .values({
        instance_id: row.instance_id,
        milestone_id: row.milestone_id,
        from_state: row.state,
        to_state: row.state,
        at: now,
        user_id: null,
        detail: JSON.stringify({ dueMoved: { field: due.field, from: row.due_at, to: dueAt } }),
      })
      .execute();
    if (dueAt !== null) await enqueueJobs(trx, [dueJob(row.instance_id, row.milestone_id, dueAt)]);
    moved++;
  }
  return moved;
}
