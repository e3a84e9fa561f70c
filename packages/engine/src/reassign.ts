import type { Database } from '@milepost/db';
import type { Clock } from './clock.ts';
import { InvalidRequestError } from './errors.ts';
import { followAccount } from './reports/duration-rows.ts';
import { assignedNotification, enqueueNotifications } from './notifications.ts';

export interface ReassignResult {
  accounts: number;
  /** Open milestone tasks that moved to the new owner. */
  tasks: number;
}

/**
 * Gives accounts a new owner: the named accounts, or every account of `fromOwnerId`. Open tasks
 * of those accounts that the old owner held follow the new owner; each moved task is recorded
 * as a transition and each account change as an account event, in one transaction.
 */
export async function reassignAccounts(
  database: Database,
  clock: Clock,
  request: {
    accountIds?: readonly string[];
    fromOwnerId?: string;
    toOwnerId: string;
    userId: string | null;
  },
): Promise<ReassignResult> {
  if (!request.accountIds?.length && !request.fromOwnerId) {
    throw new InvalidRequestError('Name the accounts to reassign, or the CSM whose accounts move.');
  }
  const now = clock.now();
  return database.db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('users')
      .select(['id', 'name'])
      .where('id', '=', request.toOwnerId)
      .executeTakeFirst();
    if (!target)
      throw new InvalidRequestError(
        `No user "${request.toOwnerId}" exists to take the accounts over.`,
      );

    let query = trx.selectFrom('accounts').select(['id', 'name', 'owner_id', 'segment']);
    if (request.accountIds?.length) query = query.where('id', 'in', [...request.accountIds]);
    if (request.fromOwnerId) query = query.where('owner_id', '=', request.fromOwnerId);
    const accounts = (await query.execute()).filter((a) => a.owner_id !== request.toOwnerId);
    if (accounts.length === 0) return { accounts: 0, tasks: 0 };

    let tasks = 0;
    for (const account of accounts) {
      await trx
        .updateTable('accounts')
        .set({ owner_id: target.id, updated_at: now })
        .where('id', '=', account.id)
        .execute();
      await followAccount(trx, account.id, target.id, account.segment);
      await trx
        .insertInto('account_events')
        .values({ account_id: account.id, kind: 'owner', value: target.id, at: now })
        .execute();
      if (!account.owner_id) continue;

      const open = await trx
        .selectFrom('instance_milestones as m')
        .innerJoin('instances as i', 'i.id', 'm.instance_id')
        .innerJoin('workflow_versions as v', 'v.id', 'i.version_id')
        .select(['m.instance_id', 'm.milestone_id', 'm.state', 'v.definition_json'])
        .where('i.account_id', '=', account.id)
        .where('i.status', 'in', ['running', 'paused'])
        .where('m.state', 'in', ['ready', 'active'])
        .where('m.assignee_id', '=', account.owner_id)
        .execute();
      for (const task of open) {
        await trx
          .updateTable('instance_milestones')
          .set({ assignee_id: target.id })
          .where('instance_id', '=', task.instance_id)
          .where('milestone_id', '=', task.milestone_id)
          .execute();
        await trx
          .insertInto('transitions')
          .values({
            instance_id: task.instance_id,
            milestone_id: task.milestone_id,
            from_state: task.state,
            to_state: task.state,
            at: now,
            user_id: request.userId,
            detail: JSON.stringify({ reassigned: { from: account.owner_id, to: target.id } }),
          })
          .execute();
        const definition = JSON.parse(task.definition_json) as {
          milestones: { id: string; name: string }[];
        };
        const name =
          definition.milestones.find((m) => m.id === task.milestone_id)?.name ?? task.milestone_id;
        await enqueueNotifications(trx, [
          assignedNotification(
            target.id,
            task.instance_id,
            task.milestone_id,
            { milestone: name, account: account.name },
            now,
          ),
        ]);
        tasks++;
      }
    }
    return { accounts: accounts.length, tasks };
  });
}
