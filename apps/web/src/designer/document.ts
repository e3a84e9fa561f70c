import type {
  AssigneeRule,
  ChecklistItem,
  Condition,
  Dependency,
  DueRule,
  Position,
  WorkflowDefinitionInput,
} from '@milepost/model';

/** A milestone as the designer edits it: every optional field of the schema filled in. */
export interface DesignerMilestone {
  id: string;
  name: string;
  description: string;
  checklist: ChecklistItem[];
  targetDays: number;
  due?: DueRule;
  assignee: AssigneeRule;
  condition?: Condition;
  position: Position;
}

/** The workflow a designer edits. Commands replace it whole and never change it in place. */
export interface DesignerDocument {
  key: string;
  name: string;
  description: string;
  targetDays?: number;
  milestones: DesignerMilestone[];
  dependencies: Dependency[];
}

/** Fills in the defaults of a stored draft, which may omit optional fields. */
export function toDocument(definition: WorkflowDefinitionInput): DesignerDocument {
  const document: DesignerDocument = {
    key: definition.key,
    name: definition.name,
    description: definition.description ?? '',
    milestones: definition.milestones.map((milestone) => {
      const filled: DesignerMilestone = {
        id: milestone.id,
        name: milestone.name,
        description: milestone.description ?? '',
        checklist: (milestone.checklist ?? []).map((item) => ({
          ...item,
          required: item.required ?? true,
        })),
        targetDays: milestone.targetDays,
        assignee: milestone.assignee ?? { kind: 'account_owner' },
        position: milestone.position ?? { x: 0, y: 0 },
      };
      if (milestone.due) filled.due = milestone.due;
      if (milestone.condition) filled.condition = milestone.condition as Condition;
      return filled;
    }),
    dependencies: (definition.dependencies ?? []).map(({ from, to }) => ({ from, to })),
  };
  if (definition.targetDays !== undefined) document.targetDays = definition.targetDays;
  return document;
}

/** Returns the definition to save, validate or export. */
export function toDefinition(document: DesignerDocument): WorkflowDefinitionInput {
  return structuredClone(document);
}

/** Names a dependency for edge ids and lookups. */
export function dependencyId(dependency: Dependency): string {
  return `${dependency.from}->${dependency.to}`;
}

export function findMilestone(
  document: DesignerDocument,
  id: string,
): DesignerMilestone | undefined {
  return document.milestones.find((milestone) => milestone.id === id);
}
