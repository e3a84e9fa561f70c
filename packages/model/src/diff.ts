import type { Dependency, WorkflowDefinitionInput } from './definition.ts';

/** Fields of a milestone that a diff compares. Canvas positions are left out: moving changes nothing that runs. */
export type MilestoneField =
  'name' | 'description' | 'checklist' | 'targetDays' | 'due' | 'assignee' | 'condition';

export type WorkflowField = 'name' | 'description' | 'targetDays';

export interface MilestoneRef {
  id: string;
  name: string;
}

export interface MilestoneChange extends MilestoneRef {
  /** The name before the change, when it differs from `name`. */
  previousName?: string;
  fields: MilestoneField[];
}

/** What changed between two definitions of one workflow, such as the last version and a draft. */
export interface DefinitionDiff {
  workflowFields: WorkflowField[];
  milestonesAdded: MilestoneRef[];
  milestonesRemoved: MilestoneRef[];
  milestonesChanged: MilestoneChange[];
  dependenciesAdded: Dependency[];
  dependenciesRemoved: Dependency[];
}

type MilestoneInput = WorkflowDefinitionInput['milestones'][number];

const MILESTONE_FIELDS: readonly MilestoneField[] = [
  'name',
  'description',
  'checklist',
  'targetDays',
  'due',
  'assignee',
  'condition',
];

/**
 * Compares two definitions and lists what `after` adds, removes and changes. `before` is `null`
 * when nothing was published yet, so everything in `after` counts as added. Omitted fields are
 * compared with their defaults filled in, so a missing description equals an empty one.
 */
export function diffDefinitions(
  before: WorkflowDefinitionInput | null,
  after: WorkflowDefinitionInput,
): DefinitionDiff {
  const previous = new Map(
    (before?.milestones ?? []).map((milestone) => [milestone.id, milestone]),
  );
  const next = new Map(after.milestones.map((milestone) => [milestone.id, milestone]));

  const milestonesAdded = after.milestones.filter(({ id }) => !previous.has(id)).map(toRef);
  const milestonesRemoved = (before?.milestones ?? []).filter(({ id }) => !next.has(id)).map(toRef);
  const milestonesChanged: MilestoneChange[] = [];
  for (const milestone of after.milestones) {
    const old = previous.get(milestone.id);
    if (!old) continue;
    const fields = MILESTONE_FIELDS.filter(
      (field) =>
        canonical(milestoneValue(old, field)) !== canonical(milestoneValue(milestone, field)),
    );
    if (fields.length === 0) continue;
    const change: MilestoneChange = { ...toRef(milestone), fields };
    if (old.name !== milestone.name) change.previousName = old.name;
    milestonesChanged.push(change);
  }

  const oldEdges = edgeKeys(before?.dependencies ?? []);
  const newEdges = edgeKeys(after.dependencies ?? []);
  return {
    workflowFields: before ? workflowChanges(before, after) : [],
    milestonesAdded,
    milestonesRemoved,
    milestonesChanged,
    dependenciesAdded: [...newEdges].filter(([key]) => !oldEdges.has(key)).map(([, edge]) => edge),
    dependenciesRemoved: [...oldEdges]
      .filter(([key]) => !newEdges.has(key))
      .map(([, edge]) => edge),
  };
}

/** Whether a diff lists no change at all. */
export function isEmptyDiff(diff: DefinitionDiff): boolean {
  return (
    diff.workflowFields.length === 0 &&
    diff.milestonesAdded.length === 0 &&
    diff.milestonesRemoved.length === 0 &&
    diff.milestonesChanged.length === 0 &&
    diff.dependenciesAdded.length === 0 &&
    diff.dependenciesRemoved.length === 0
  );
}

function toRef(milestone: MilestoneInput): MilestoneRef {
  return { id: milestone.id, name: milestone.name };
}

function workflowChanges(
  before: WorkflowDefinitionInput,
  after: WorkflowDefinitionInput,
): WorkflowField[] {
  const fields: WorkflowField[] = [];
  if (before.name !== after.name) fields.push('name');
  if ((before.description ?? '') !== (after.description ?? '')) fields.push('description');
  if (before.targetDays !== after.targetDays) fields.push('targetDays');
  return fields;
}

/** A milestone field with the schema's defaults filled in. */
function milestoneValue(milestone: MilestoneInput, field: MilestoneField): unknown {
  switch (field) {
    case 'description':
      return milestone.description ?? '';
    case 'checklist':
      return (milestone.checklist ?? []).map((item) => ({
        ...item,
        required: item.required ?? true,
      }));
    case 'assignee':
      return milestone.assignee ?? { kind: 'account_owner' };
    default:
      return milestone[field];
  }
}

function edgeKeys(dependencies: readonly Dependency[]): Map<string, Dependency> {
  return new Map(dependencies.map((edge) => [`${edge.from}\u0000${edge.to}`, edge]));
}

/** JSON with object keys sorted, so key order does not count as a change. */
function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonical(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
