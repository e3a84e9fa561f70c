import { PublishWarningsError, simulateWorkflow } from '@milepost/engine';
import {
  DefinitionError,
  Dependency,
  IsoDate,
  msToDate,
  parseDefinition,
  validateDefinition,
  WorkflowKey,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
} from '@milepost/model';
import { z } from 'zod';
import type { ApiContext } from '../context.ts';
import { authedProcedure, roleProcedure, router } from '../trpc.ts';

const key = z.string().min(1);
const revision = z.number().int().nonnegative();

/**
 * The shape a draft must have to be saved. It is looser than a publishable definition, because
 * a draft is work in progress: an empty name or a cycle is saved and listed as a problem.
 */
const DraftDefinition = z.looseObject({
  name: z.string(),
  description: z.string().optional(),
  targetDays: z.number().optional(),
  milestones: z.array(z.looseObject({ id: z.string(), name: z.string() })),
  dependencies: z.array(Dependency).default([]),
});

/** Typed as a definition, though only the fields checked by `DraftDefinition` are certain. */
const draftDefinition = DraftDefinition.transform(
  (draft) => draft as unknown as WorkflowDefinitionInput,
);

const editor = roleProcedure('lead', 'admin');

/** Simulates a definition with the workflow's deployment rules, as of the server's today. */
async function simulateDraft(
  ctx: ApiContext,
  definition: WorkflowDefinition,
  input: { accountId?: string | undefined; asOf?: string | undefined },
) {
  const rules = (await ctx.engine.rules.list(definition.key)).map((stored) => stored.rule);
  return simulateWorkflow(ctx.engine.database, definition, {
    asOf: input.asOf ?? msToDate(ctx.engine.clock.now()),
    ...(input.accountId ? { accountId: input.accountId } : {}),
    rules,
  });
}

export const draftsRouter = router({
  /** Every workflow with its draft and its latest version. */
  list: authedProcedure
    .input(
      z.object({ includeArchived: z.boolean().default(false) }).default({ includeArchived: false }),
    )
    .query(({ ctx, input }) => ctx.engine.drafts.list(input)),

  get: authedProcedure
    .input(z.object({ key }))
    .query(({ ctx, input }) => ctx.engine.drafts.get(input.key)),

  versions: authedProcedure
    .input(z.object({ key }))
    .query(({ ctx, input }) => ctx.engine.drafts.versions(input.key)),

  create: editor
    .input(z.object({ key: WorkflowKey, name: z.string().trim().min(1) }))
    .mutation(({ ctx, input }) => ctx.engine.drafts.create(input, ctx.user.id)),

  /**
   * Creates a workflow from an imported file. The file must be a valid definition; `key` and
   * `name` replace the file's own when given.
   */
  import: editor
    .input(
      z.object({
        definition: z.unknown(),
        key: WorkflowKey.optional(),
        name: z.string().trim().min(1).optional(),
      }),
    )
    .mutation(({ ctx, input }) => {
      const result = validateDefinition(input.definition);
      if (!result.ok) throw new DefinitionError(result.problems, 'The imported file');

      const definition = result.definition;
      const newKey = input.key ?? definition.key;
      const name = input.name ?? definition.name;
      return ctx.engine.drafts.create({ key: newKey, name, definition }, ctx.user.id);
    }),

  save: editor
    .input(z.object({ key, definition: draftDefinition, baseRevision: revision }))
    .mutation(({ ctx, input }) =>
      ctx.engine.drafts.save(input.key, input.definition, input.baseRevision, ctx.user.id),
    ),

  rename: editor
    .input(z.object({ key, name: z.string().trim().min(1) }))
    .mutation(({ ctx, input }) => ctx.engine.drafts.rename(input.key, input.name, ctx.user.id)),

  duplicate: editor
    .input(z.object({ key, newKey: WorkflowKey, name: z.string().trim().min(1).optional() }))
    .mutation(({ ctx, input }) =>
      ctx.engine.drafts.duplicate(input.key, input.newKey, ctx.user.id, input.name),
    ),

  archive: editor.input(z.object({ key })).mutation(async ({ ctx, input }) => {
    await ctx.engine.drafts.archive(input.key);
    return { ok: true };
  }),

  restore: editor.input(z.object({ key })).mutation(async ({ ctx, input }) => {
    await ctx.engine.drafts.restore(input.key);
    return { ok: true };
  }),

  /**
   * Simulates the draft with no side effects: projected timeline, warnings and, with an account,
   * a dry run on its fields and dates.
   */
  simulate: authedProcedure
    .input(z.object({ key, accountId: z.string().optional(), asOf: IsoDate.optional() }))
    .query(async ({ ctx, input }) => {
      const draft = await ctx.engine.drafts.get(input.key);
      const definition = parseDefinition(
        { ...draft.definition, key: input.key },
        `The draft of "${input.key}"`,
      );
      return simulateDraft(ctx, definition, input);
    }),

  /**
   * Publishes the draft as the next version (admins only). A draft whose simulation warns is
   * published only with `acceptWarnings`.
   */
  publish: roleProcedure('admin')
    .input(
      z.object({
        key,
        expectedRevision: revision.optional(),
        acceptWarnings: z.boolean().default(false),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const draft = await ctx.engine.drafts.get(input.key);
      const checked = validateDefinition({ ...draft.definition, key: input.key });
      if (checked.ok && !input.acceptWarnings) {
        const simulation = await simulateDraft(ctx, checked.definition, {});
        if (simulation.warnings.length > 0)
          throw new PublishWarningsError(input.key, simulation.warnings);
      }
      const { version, created } = await ctx.engine.drafts.publish(
        input.key,
        ctx.user.id,
        input.expectedRevision,
      );
      return { key: version.key, version: version.version, created };
    }),
});
