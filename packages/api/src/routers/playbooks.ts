import {
  PlaybookError,
  renderPlaybook,
  validatePlaybook,
  type PlaybookDraft,
} from '@milepost/engine';
import type { PlaybookInput } from '@milepost/model';
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, roleProcedure, router } from '../trpc.ts';

const key = z.string().min(1);
const revision = z.number().int().nonnegative();

/**
 * The shape a draft must have to be saved. It is looser than a publishable playbook, because a
 * draft is work in progress: an untitled step or a bad link is saved and listed as a problem.
 */
const DraftPlaybook = z
  .looseObject({
    name: z.string(),
    steps: z.array(z.looseObject({ id: z.string(), title: z.string() })).default([]),
    offers: z.array(z.looseObject({ title: z.string() })).default([]),
    links: z.array(z.looseObject({ title: z.string(), url: z.string() })).default([]),
  })
  .transform((draft) => draft as unknown as PlaybookInput);

const editor = roleProcedure('lead', 'admin');

/** Adds the sanitized HTML of the draft and of the latest version, as the CSM will see them. */
function withRendered(draft: PlaybookDraft) {
  return {
    ...draft,
    rendered: renderPlaybook(draft.playbook),
    latest: draft.latest
      ? { ...draft.latest, rendered: renderPlaybook(draft.latest.playbook) }
      : null,
  };
}

/** Re-raises a `PlaybookError` as BAD_REQUEST, keeping the message that lists every problem. */
function badRequest(error: unknown): never {
  if (error instanceof PlaybookError) {
    throw new TRPCError({ code: 'BAD_REQUEST', message: error.message, cause: error });
  }
  throw error;
}

export const playbooksRouter = router({
  /** Every playbook with its draft state, latest version and the alert types that use it. */
  list: authedProcedure.query(({ ctx }) => ctx.engine.playbooks.list()),

  /** The draft and the latest published version, each also rendered as sanitized HTML. */
  get: authedProcedure
    .input(z.object({ key }))
    .query(async ({ ctx, input }) => withRendered(await ctx.engine.playbooks.getDraft(input.key))),

  /** Published versions of a playbook, newest first. */
  versions: authedProcedure
    .input(z.object({ key }))
    .query(({ ctx, input }) => ctx.engine.playbooks.versions(input.key)),

  /** One published version by id, rendered, as alert tasks name it. */
  version: authedProcedure
    .input(z.object({ id: z.number().int().positive() }))
    .query(async ({ ctx, input }) => {
      const version = await ctx.engine.playbooks.version(input.id);
      return { ...version, rendered: renderPlaybook(version.playbook) };
    }),

  /** Creates a playbook with an empty draft. */
  create: editor
    .input(z.object({ key, name: z.string() }))
    .mutation(async ({ ctx, input }) =>
      withRendered(await ctx.engine.playbooks.create(input, ctx.user.id)),
    ),

  /** Saves the draft loaded at `baseRevision`. A stale save gets CONFLICT. */
  saveDraft: editor
    .input(z.object({ key, playbook: DraftPlaybook, baseRevision: revision }))
    .mutation(async ({ ctx, input }) => {
      const saved = await ctx.engine.playbooks.saveDraft(
        input.key,
        input.playbook,
        input.baseRevision,
        ctx.user.id,
      );
      const playbook = { ...input.playbook, key: input.key };
      return {
        ...saved,
        problems: validatePlaybook(playbook).problems,
        rendered: renderPlaybook(playbook),
      };
    }),

  /**
   * Publishes the draft as the next version, unless it equals the latest one. An invalid draft
   * gets BAD_REQUEST listing every problem.
   */
  publish: editor
    .input(z.object({ key, expectedRevision: revision.optional() }))
    .mutation(async ({ ctx, input }) => {
      const { version, created } = await ctx.engine.playbooks
        .publish(input.key, ctx.user.id, input.expectedRevision)
        .catch(badRequest);
      return { id: version.id, key: version.key, version: version.version, created };
    }),

  /** Renders unsaved editor content as the CSM will see it, without saving anything. */
  preview: editor
    .input(z.object({ key, playbook: DraftPlaybook }))
    .mutation(({ input }) => renderPlaybook({ ...input.playbook, key: input.key })),
});
