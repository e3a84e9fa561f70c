import { groupTasksByDue } from '@milepost/engine';
import { msToDate, type Account } from '@milepost/model';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { authedProcedure, roleProcedure, router } from '../trpc.ts';
import { openAlertTasksFor, openTasksFor, TaskListInput } from './task-filter.ts';

export const taskGroupsRouter = router({
  /**
   * Open tasks grouped by due date (overdue, today, this week, later, no date), with alert tasks
   * as their own group. CSMs see their own; leads and admins pick a CSM or the whole team.
   */
  grouped: authedProcedure.input(TaskListInput).query(async ({ ctx, input }) => {
    const tasks = await openTasksFor(ctx, input);
    const alerts = await openAlertTasksFor(ctx, input);
    const now = ctx.engine.clock.now();
    return {
      now,
      total: tasks.length,
      groups: groupTasksByDue(tasks, now),
      alerts: { key: 'alerts' as const, label: 'Alerts', count: alerts.length, tasks: alerts },
    };
  }),
});

export const notificationsRouter = router({
  list: authedProcedure.query(async ({ ctx }) => ({
    unread: await ctx.engine.notifications.unreadCount(ctx.user.id),
    items: await ctx.engine.notifications.list(ctx.user.id),
  })),

  /** The signed-in user's notification settings. */
  settings: authedProcedure.query(async ({ ctx }) => {
    const row = await ctx.engine.database.db
      .selectFrom('users')
      .select('daily_digest')
      .where('id', '=', ctx.user.id)
      .executeTakeFirst();
    return { dailyDigest: row?.daily_digest === 1 };
  }),

  unreadCount: authedProcedure.query(({ ctx }) =>
    ctx.engine.notifications.unreadCount(ctx.user.id),
  ),

  /** Marks the given notifications, or all, as read. */
  markRead: authedProcedure
    .input(z.object({ ids: z.array(z.number().int()).optional() }))
    .mutation(async ({ ctx, input }) => ({
      marked: await ctx.engine.notifications.markRead(ctx.user.id, input.ids),
    })),

  /** Turns the signed-in user's daily email digest on or off. */
  setDailyDigest: authedProcedure
    .input(z.object({ enabled: z.boolean() }))
    .mutation(async ({ ctx, input }) => {
      await ctx.engine.setDailyDigest(ctx.user.id, input.enabled);
      return { enabled: input.enabled };
    }),
});

/** How many complete weeks the account page's usage charts cover. */
const USAGE_WEEKS = 12;

/** Loads an account the signed-in user may see: CSMs see only the accounts they own. */
async function readableAccount(
  ctx: ApiContext & { user: NonNullable<ApiContext['user']> },
  accountId: string,
): Promise<Account> {
  const account = await ctx.engine.accounts.get(accountId);
  if (ctx.user.role === 'csm' && account.ownerId !== ctx.user.id) {
    throw new TRPCError({
      code: 'FORBIDDEN',
      message: `Account ${accountId} is owned by another CSM.`,
    });
  }
  return account;
}

export const accountDirectoryRouter = router({
  /**
   * Searches accounts by name or id with filters, a page at a time (keyset paging by name).
   * A CSM sees only the accounts they own.
   */
  search: authedProcedure
    .input(
      z.object({
        search: z.string().max(200).optional(),
        ownerId: z.string().optional(),
        segment: z.string().optional(),
        stage: z.string().optional(),
        overdue: z.boolean().optional(),
        cursor: z.string().optional(),
        limit: z.number().int().min(1).max(500).default(50),
      }),
    )
    .query(({ ctx, input }) => {
      const ownerId = ctx.user.role === 'csm' ? ctx.user.id : input.ownerId;
      return ctx.engine.listAccounts({ ...input, ...(ownerId ? { ownerId } : {}) });
    }),

  /**
   * The distinct segments and stages of the accounts the user may see, sorted, for the account
   * filters. Accounts without a segment or stage add nothing.
   */
  facets: authedProcedure.query(async ({ ctx }) => {
    const ownerId = ctx.user.role === 'csm' ? ctx.user.id : undefined;
    const distinctValues = async (column: 'segment' | 'stage'): Promise<string[]> => {
      let query = ctx.engine.database.db
        .selectFrom('accounts')
        .select(column)
        .distinct()
        .where(column, 'is not', null)
        .where(column, '!=', '');
      if (ownerId) query = query.where('owner_id', '=', ownerId);
      const rows = await query.orderBy(column).execute();
      return rows.flatMap((row) => (row[column] === null ? [] : [row[column]]));
    };
    return { segments: await distinctValues('segment'), stages: await distinctValues('stage') };
  }),

  /** The account page: fields, owner and every instance with its graph and timeline. */
  page: authedProcedure.input(z.object({ id: z.string().min(1) })).query(async ({ ctx, input }) => {
    const account = await readableAccount(ctx, input.id);
    const owner = account.ownerId ? await ctx.engine.users.get(account.ownerId) : null;
    const summaries = await ctx.engine.queries.accountInstances(input.id);
    const instances = await Promise.all(summaries.map((s) => ctx.engine.queries.instance(s.id)));
    // `now` is the server's clock, so the page measures open times as the server does.
    return { account, owner, instances, now: ctx.engine.clock.now() };
  }),

  /**
   * The account's metrics summed per Monday-to-Sunday week, over the 12 complete weeks before the
   * server's today, for the account page's usage charts.
   */
  usage: authedProcedure
    .input(z.object({ id: z.string().min(1) }))
    .query(async ({ ctx, input }) => {
      await readableAccount(ctx, input.id);
      const today = msToDate(ctx.engine.clock.now());
      return { today, metrics: await ctx.engine.metrics.weeklySums(input.id, today, USAGE_WEEKS) };
    }),

  /** Gives accounts, or all accounts of a CSM, to another CSM; open tasks follow. */
  reassign: roleProcedure('lead', 'admin')
    .input(
      z.object({
        accountIds: z.array(z.string().min(1)).optional(),
        fromOwnerId: z.string().optional(),
        toOwnerId: z.string().min(1),
      }),
    )
    .mutation(({ ctx, input }) =>
      ctx.engine.reassignAccounts({
        ...(input.accountIds ? { accountIds: input.accountIds } : {}),
        ...(input.fromOwnerId ? { fromOwnerId: input.fromOwnerId } : {}),
        toOwnerId: input.toOwnerId,
        userId: ctx.user.id,
      }),
    ),
});
