import type { DesignerDocument, DesignerMilestone } from '../src/designer/document.ts';

export function milestone(id: string, x = 0, y = 0): DesignerMilestone {
  return {
    id,
    name: id.charAt(0).toUpperCase() + id.slice(1),
    description: '',
    checklist: [],
    targetDays: 2,
    assignee: { kind: 'account_owner' },
    position: { x, y },
  };
}

/** Fork and join: kickoff, then setup and training in parallel, then go-live. */
export function forkJoin(): DesignerDocument {
  return {
    key: 'onboarding',
    name: 'Onboarding',
    description: '',
    milestones: [
      milestone('kickoff', 0, 0),
      milestone('setup', 300, -100),
      milestone('training', 300, 100),
      milestone('golive', 600, 0),
    ],
    dependencies: [
      { from: 'kickoff', to: 'setup' },
      { from: 'kickoff', to: 'training' },
      { from: 'setup', to: 'golive' },
      { from: 'training', to: 'golive' },
    ],
  };
}
