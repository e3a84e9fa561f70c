import type { Tables } from '@milepost/db';
import type { Insertable, Kysely, Transaction } from 'kysely';

export type JobRow = Insertable<Tables['jobs']>;

/** Job kinds the scheduler runs. */
export type JobKind = 'rules' | 'due' | 'due_soon' | 'digest' | 'alerts' | 'alert_due';

/** Builds a due timer, which marks the milestone overdue when it runs if it is still open. */
export function dueJob(instanceId: string, milestoneId: string, dueAt: number): JobRow {
  return {
    kind: 'due',
    key: `due:${instanceId}:${milestoneId}:${dueAt}`,
    run_at: dueAt,
    payload_json: JSON.stringify({ instanceId, milestoneId, dueAt }),
  };
}

/** Builds an alert's response timer, which marks the alert overdue when it runs if still open. */
export function alertDueJob(alertId: number, dueAt: number): JobRow {
  return {
    kind: 'alert_due',
    key: `alert_due:${alertId}`,
    run_at: dueAt,
    payload_json: JSON.stringify({ alertId }),
  };
}

/** Adds jobs, leaving alone any whose key exists already. */
export async function enqueueJobs(
  db: Kysely<Tables> | Transaction<Tables>,
  jobs: readonly JobRow[],
): Promise<void> {
  for (let offset = 0; offset < jobs.length; offset += 500) {
    await db
      .insertInto('jobs')
      .values(jobs.slice(offset, offset + 500))
      .onConflict((conflict) => conflict.column('key').doNothing())
      .execute();
  }
}
