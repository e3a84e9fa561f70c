import type { InstanceEvent } from '@milepost/compiler';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { authedProcedure, roleProcedure, router } from '../trpc.ts';

const milestoneId = z.string().min(1);

export const InstanceEventInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('START'), milestoneId }),
  z.object({
    type: z.literal('TOGGLE_ITEM'),
    milestoneId,
    itemId: z.string().min(1),
    done: z.boolean(),
  }),
  z.object({ type: z.literal('COMPLETE'), milestoneId }),
  z.object({ type: z.literal('SKIP'), milestoneId }),
  z.object({ type: z.literal('PAUSE') }),
  z.object({ type: z.literal('RESUME') }),
  z.object({ type: z.literal('CANCEL') }),
]) satisfies z.ZodType<InstanceEvent>;

type User = NonNullable<ApiContext['user']>;

/**
 * Leads and admins act on every instance. A CSM sees the instances of accounts they own and
 * works milestones of those accounts or assigned to them; skipping a milestone and pausing,
 * resuming or cancelling an instance are for leads and admins.
 */
async function authorize(ctx: ApiContext, user: User, instanceId: string, event?: InstanceEvent) {
  if (user.role !== 'csm') return;
  const access = await ctx.engine.queries.access(instanceId);
  const owns = access.ownerId === user.id;
  const milestone = event && 'milestoneId' in event ? event.milestoneId : undefined;
  const assigned = milestone !== undefined && access.assignees.get(milestone) === user.id;

  if (!event) {
    const assignedAny = [...access.assignees.values()].includes(user.id);
    if (owns || assignedAny) return;
  } else if (event.type !== 'SKIP' && milestone !== undefined && (owns || assigned)) {
    return;
  }
  throw new TRPCError({
    code: 'FORBIDDEN',
    message: event
      ? `You may not ${event.type.toLowerCase()} on instance ${instanceId}: CSMs act on milestones of accounts they own or assigned to them; ask a lead.`
      : `Instance ${instanceId} belongs to an account you do not own.`,
  });
}

export const instancesRouter = router({
  get: authedProcedure.input(z.object({ id: z.string().min(1) })).query(async ({ ctx, input }) => {
    await authorize(ctx, ctx.user, input.id);
    return ctx.engine.queries.instance(input.id);
  }),

  send: authedProcedure
    .input(
      z.object({
        instanceId: z.string().min(1),
        event: InstanceEventInput,
        idempotencyKey: z.string().min(1).max(200).optional(),
        expectedRevision: z.number().int().positive().optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      await authorize(ctx, ctx.user, input.instanceId, input.event);
      return ctx.engine.instances.apply({ ...input, userId: ctx.user.id });
    }),

  /** Sets the note on a milestone. */
  setNote: authedProcedure
    .input(z.object({ instanceId: z.string().min(1), milestoneId, note: z.string().max(10_000) }))
    .mutation(async ({ ctx, input }) => {
      await authorize(ctx, ctx.user, input.instanceId, {
        type: 'START',
        milestoneId: input.milestoneId,
      });
      await ctx.engine.setNote(input.instanceId, input.milestoneId, input.note, ctx.user.id);
      return { ok: true };
    }),

  /**
   * Streams the instance's revision whenever it changes, from any process: the stored revision
   * is read once a second while someone watches.
   */
  watch: authedProcedure
    .input(
      z.object({
        id: z.string().min(1),
        intervalMs: z.number().int().min(100).max(60_000).default(1_000),
      }),
    )
    .subscription(async function* ({ ctx, input, signal }) {
      await authorize(ctx, ctx.user, input.id);
      let last = -1;
      while (!signal?.aborted) {
        const revision = await ctx.engine.instanceRevision(input.id);
        if (revision !== last) {
          last = revision;
          yield { id: input.id, revision };
        }
        await new Promise((resolve) => setTimeout(resolve, input.intervalMs));
      }
    }),

  /** Starts the latest version of a workflow on the given accounts, or on all of them. */
  deploy: roleProcedure('lead', 'admin')
    .input(
      z.union([
        z.object({ workflowKey: z.string().min(1), accountIds: z.array(z.string().min(1)).min(1) }),
        z.object({ workflowKey: z.string().min(1), all: z.literal(true) }),
      ]),
    )
    .mutation(async ({ ctx, input }) => {
      const version = await ctx.engine.workflows.latest(input.workflowKey);
      const accountIds = 'all' in input ? await ctx.engine.accounts.ids() : input.accountIds;
      const result = await ctx.engine.instances.deploy(version.id, accountIds, {
        userId: ctx.user.id,
      });
      return {
        version: version.version,
        started: result.started.length,
        instanceIds: result.started,
        skipped: result.skipped,
      };
    }),
});
