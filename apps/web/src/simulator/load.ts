import { validateDefinition, type Problem, type WorkflowDefinition } from '@milepost/model';
import { api } from '../lib/trpc.ts';

/** The workflow a simulation runs: a valid definition, or the problems that stop it. */
export type SimulationSource =
  | { ok: true; definition: WorkflowDefinition; label: string; isDraft: boolean }
  | { ok: false; problems: Problem[]; label: string };

/** Loads the draft of a workflow, or one published version, and validates it. */
export async function loadSource(key: string, version: number | null): Promise<SimulationSource> {
  if (version !== null) {
    const published = await api.workflows.get.query({ key, version });
    return {
      ok: true,
      definition: published.definition,
      label: `version ${version}`,
      isDraft: false,
    };
  }
  const draft = await api.drafts.get.query({ key });
  const result = validateDefinition({ ...draft.definition, key });
  if (!result.ok) return { ok: false, problems: result.problems, label: 'draft' };
  return { ok: true, definition: result.definition, label: 'draft', isDraft: true };
}
