import type { Database } from '@milepost/db';
import { migrateToLatest } from '@milepost/db';
import { parseDefinition, type Account, type WorkflowDefinitionInput } from '@milepost/model';
import { Engine, ManualClock } from '../src/index.ts';

export const DAY = 86_400_000;
export const START = Date.parse('2025-03-03T09:00:00Z');

/** Fork and join: kickoff, then setup and integration in parallel, then go-live. */
export const forkJoin: WorkflowDefinitionInput = {
  key: 'onboarding',
  name: 'Onboarding',
  targetDays: 12,
  milestones: [
    {
      id: 'kickoff',
      name: 'Kickoff',
      targetDays: 2,
      checklist: [
        { id: 'agenda', title: 'Send agenda', required: true },
        { id: 'notes', title: 'Share notes', required: false },
      ],
    },
    { id: 'setup', name: 'Setup', targetDays: 5 },
    { id: 'integration', name: 'Integration', targetDays: 8 },
    { id: 'golive', name: 'Go-live', targetDays: 2 },
  ],
  dependencies: [
    { from: 'kickoff', to: 'setup' },
    { from: 'kickoff', to: 'integration' },
    { from: 'setup', to: 'golive' },
    { from: 'integration', to: 'golive' },
  ],
};

export function account(id: string, ownerId: string | null, extra: Partial<Account> = {}): Account {
  return {
    id,
    name: `Account ${id}`,
    ownerId,
    segment: 'SMB',
    stage: 'onboarding',
    dates: { renewal_date: '2025-12-31' },
    fields: {},
    ...extra,
  } as Account;
}

/** An engine on a migrated database with a CSM, a lead and published fork/join workflow. */
export async function setUpEngine(database: Database) {
  await migrateToLatest(database);
  const clock = new ManualClock(START);
  const engine = new Engine({ database, clock });
  const csm = await engine.users.upsert({
    email: 'csm@example.com',
    name: 'Casey CSM',
    role: 'csm',
  });
  const lead = await engine.users.upsert({
    email: 'lead@example.com',
    name: 'Lee Lead',
    role: 'lead',
  });
  const { version } = await engine.workflows.publish(parseDefinition(forkJoin), lead.id);
  return { engine, clock, csm, lead, version };
}
