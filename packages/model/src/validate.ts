import type { z } from 'zod';
import { WorkflowDefinition } from './definition.ts';
import { findCycles, successorsOf } from './graph.ts';

export type ProblemCode =
  | 'invalid_field'
  | 'empty_workflow'
  | 'missing_name'
  | 'duplicate_id'
  | 'duplicate_item_id'
  | 'missing_dependency'
  | 'duplicate_dependency'
  | 'cycle';

/** One thing wrong with a definition: a code to branch on, the ids involved and a sentence. */
export interface Problem {
  code: ProblemCode;
  /** Milestone ids involved; for a cycle, its path from a milestone back to itself. */
  ids: string[];
  message: string;
  /** Location of the problem in the file, such as `milestones.2.targetDays`. */
  path?: string;
}

export type ValidationResult =
  | { ok: true; definition: WorkflowDefinition; problems: [] }
  | { ok: false; definition?: WorkflowDefinition; problems: Problem[] };

/** Thrown where a valid definition is required; carries every problem found. */
export class DefinitionError extends Error {
  readonly problems: Problem[];

  constructor(problems: Problem[], source = 'The workflow definition') {
    const lines = problems.map((problem) => `  - [${problem.code}] ${problem.message}`);
    super(`${source} is invalid:\n${lines.join('\n')}`);
    this.name = 'DefinitionError';
    this.problems = problems;
  }
}

/**
 * Checks a workflow definition and returns every problem at once: fields of the wrong shape,
 * an empty workflow, unnamed milestones, duplicate ids, dependencies on missing milestones and
 * cycles (each with its path).
 */
export function validateDefinition(input: unknown): ValidationResult {
  const parsed = WorkflowDefinition.safeParse(input);
  if (!parsed.success) {
    // Graph checks still run on whatever ids and edges the input has, so one bad field does
    // not hide a cycle or a dangling dependency.
    const loose = looseGraph(input);
    const graph = loose ? graphProblems(loose).filter((p) => p.code !== 'empty_workflow') : [];
    return { ok: false, problems: [...shapeProblems(input, parsed.error), ...graph] };
  }

  const definition = parsed.data;
  const problems = graphProblems(definition);
  return problems.length === 0
    ? { ok: true, definition, problems: [] }
    : { ok: false, definition, problems };
}

/** Parses and validates a definition, throwing a `DefinitionError` listing every problem. */
export function parseDefinition(input: unknown, source?: string): WorkflowDefinition {
  const result = validateDefinition(input);
  if (!result.ok) throw new DefinitionError(result.problems, source);
  return result.definition;
}

/** The parts of a definition that graph checks read. */
type GraphInput = Pick<WorkflowDefinition, 'key' | 'dependencies'> & {
  milestones: { id: string; name: string; checklist: { id: string }[] }[];
};

/** Reads milestone ids, names and edges from input that failed the schema, when present. */
function looseGraph(input: unknown): GraphInput | undefined {
  const raw = input as { key?: unknown; milestones?: unknown; dependencies?: unknown } | null;
  if (!raw || !Array.isArray(raw.milestones)) return undefined;
  const milestones = raw.milestones.flatMap((m: { id?: unknown; name?: unknown } | null) =>
    typeof m?.id === 'string'
      ? [{ id: m.id, name: typeof m.name === 'string' ? m.name : m.id, checklist: [] }]
      : [],
  );
  const dependencies = (Array.isArray(raw.dependencies) ? raw.dependencies : []).flatMap(
    (d: { from?: unknown; to?: unknown } | null) =>
      typeof d?.from === 'string' && typeof d.to === 'string' ? [{ from: d.from, to: d.to }] : [],
  );
  return { key: typeof raw.key === 'string' ? raw.key : '', milestones, dependencies };
}

function graphProblems(definition: GraphInput): Problem[] {
  const problems: Problem[] = [];
  const { milestones, dependencies } = definition;

  if (milestones.length === 0) {
    problems.push({
      code: 'empty_workflow',
      ids: [],
      message: `Workflow "${definition.key}" has no milestones; add at least one.`,
    });
  }

  const seen = new Set<string>();
  milestones.forEach((milestone, position) => {
    if (milestone.name.trim() === '') {
      problems.push({
        code: 'missing_name',
        ids: [milestone.id],
        message: `Milestone "${milestone.id}" has no name; give it one.`,
        path: `milestones.${position}.name`,
      });
    }
    if (seen.has(milestone.id)) {
      problems.push({
        code: 'duplicate_id',
        ids: [milestone.id],
        message: `Milestone id "${milestone.id}" is used more than once; ids must be unique.`,
        path: `milestones.${position}.id`,
      });
    }
    seen.add(milestone.id);

    const itemIds = new Set<string>();
    for (const item of milestone.checklist) {
      if (itemIds.has(item.id)) {
        problems.push({
          code: 'duplicate_item_id',
          ids: [milestone.id, item.id],
          message: `Milestone "${milestone.id}" has two checklist items with id "${item.id}".`,
        });
      }
      itemIds.add(item.id);
    }
  });

  const edges = new Set<string>();
  dependencies.forEach(({ from, to }, position) => {
    const missing = [from, to].filter((id) => !seen.has(id));
    for (const id of missing) {
      problems.push({
        code: 'missing_dependency',
        ids: [from, to],
        message: `Dependency ${from} -> ${to} refers to milestone "${id}", which does not exist.`,
        path: `dependencies.${position}`,
      });
    }
    const edge = `${from}\u0000${to}`;
    if (edges.has(edge)) {
      problems.push({
        code: 'duplicate_dependency',
        ids: [from, to],
        message: `Dependency ${from} -> ${to} is listed more than once.`,
        path: `dependencies.${position}`,
      });
    }
    edges.add(edge);
  });

  const graph = successorsOf([...seen], dependencies);
  for (const cycle of findCycles(graph)) {
    problems.push({
      code: 'cycle',
      ids: cycle,
      message: `Milestones form a cycle: ${cycle.join(' -> ')}. Remove one of these dependencies.`,
    });
  }
  return problems;
}

function shapeProblems(input: unknown, error: z.ZodError): Problem[] {
  return error.issues.map((issue) => {
    const path = issue.path.join('.');
    const id = milestoneIdAt(input, issue.path);
    const where = id ? `milestone "${id}", ${path}` : path || 'the definition';
    return {
      code: 'invalid_field' as const,
      ids: id ? [id] : [],
      message: `Invalid ${where}: ${issue.message}`,
      path,
    };
  });
}

/** Names the milestone an issue path points into, when the raw input has an id there. */
function milestoneIdAt(input: unknown, path: PropertyKey[]): string | undefined {
  if (path[0] !== 'milestones' || typeof path[1] !== 'number') return undefined;
  const milestones = (input as { milestones?: unknown[] } | null)?.milestones;
  const id = (milestones?.[path[1]] as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
