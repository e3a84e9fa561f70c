import { readFileSync } from 'node:fs';
import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import {
  addDays,
  dateToMs,
  DeploymentRule,
  msToDate,
  parseDefinition,
  type Account,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
} from '@milepost/model';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { NotFoundError, simulateWorkflow, type Simulation } from '../src/index.ts';
import { account, setUpEngine } from './helpers.ts';

const RENEWAL_FILE = new URL('../../../examples/ravenstack/renewal.json', import.meta.url);
const renewalFile = JSON.parse(readFileSync(RENEWAL_FILE, 'utf8')) as WorkflowDefinitionInput & {
  rules: unknown[];
};
const renewal = parseDefinition(renewalFile);
/** 90 days before each contract anniversary, for Enterprise plan accounts. */
const renewalRule = DeploymentRule.parse(renewalFile.rules[0]);

/** Every table of the schema, so a write anywhere changes a count. */
const TABLES = [
  'users',
  'sessions',
  'accounts',
  'workflows',
  'workflow_versions',
  'workflow_drafts',
  'instances',
  'instance_milestones',
  'transitions',
  'idempotency_keys',
  'jobs',
  'notifications',
  'account_events',
  'workflow_rules',
] as const;

/** Prepare is due 30 days before renewal; the Enterprise review is for Enterprise only. */
const datedRenewal: WorkflowDefinition = parseDefinition({
  key: 'dated-renewal',
  name: 'Renewal by date',
  targetDays: 30,
  milestones: [
    {
      id: 'prepare',
      name: 'Prepare',
      targetDays: 10,
      due: { kind: 'account_date', field: 'renewal_date', days: -30 },
    },
    {
      id: 'review',
      name: 'Enterprise review',
      targetDays: 5,
      condition: { field: 'segment', op: 'eq', value: 'Enterprise' },
    },
    { id: 'notes', name: 'Write notes', targetDays: 4 },
  ],
  dependencies: [
    { from: 'prepare', to: 'review' },
    { from: 'review', to: 'notes' },
  ],
});

/** Anniversaries move 29 February to 28 February in common years, as the rule does. */
function anniversaryIn(contractStart: string, year: number): string {
  const monthDay = contractStart.slice(5);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return `${year}-${monthDay === '02-29' && !leap ? '02-28' : monthDay}`;
}

const plusDays = (date: string, days: number) => msToDate(addDays(dateToMs(date), days));

function entry(simulation: Simulation, id: string) {
  const found = simulation.timeline.find((m) => m.id === id);
  if (!found) throw new Error(`The timeline has no milestone "${id}".`);
  return found;
}

describeEachDialect('simulateWorkflow', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
  });
  afterEach(() => database.close());

  function contractAccount(id: string, plan: string, contractStart: string | null): Account {
    return account(id, setup.csm.id, {
      segment: plan === 'Enterprise' ? 'Enterprise' : 'SMB',
      stage: 'Active',
      dates: contractStart ? { contract_start: contractStart } : {},
      fields: { plan_tier: plan },
    });
  }

  async function countRows(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of TABLES) {
      const row = await database.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      counts[table] = Number(row.n);
    }
    return counts;
  }

  it('dry run uses account fields', async () => {
    await setup.engine.accounts.upsert([
      account('smb', setup.csm.id, { dates: { renewal_date: '2025-04-15' } }),
      account('ent', setup.csm.id, {
        segment: 'Enterprise',
        dates: { renewal_date: '2025-06-30' },
      }),
    ]);

    const smb = await simulateWorkflow(database, datedRenewal, {
      asOf: '2025-03-20',
      accountId: 'smb',
    });
    const ent = await simulateWorkflow(database, datedRenewal, {
      asOf: '2025-03-20',
      accountId: 'ent',
    });

    expect(smb.account).toEqual({ id: 'smb', name: 'Account smb' });
    expect(smb.startDate).toBe('2025-03-20');
    expect(entry(smb, 'review').skipped).toBe(true);
    expect(entry(ent, 'review').skipped).toBe(false);
    expect(entry(ent, 'review').readyDate).toBe('2025-03-30');
    expect(smb.endDate).toBe('2025-04-03');
    expect(ent.endDate).toBe('2025-04-08');
  });

  it('dates due by account date', async () => {
    await setup.engine.accounts.upsert([
      account('late', setup.csm.id, { dates: { renewal_date: '2025-04-15' } }),
      account('early', setup.csm.id, { dates: { renewal_date: '2025-06-30' } }),
      account('undated', setup.csm.id, { dates: {} }),
    ]);
    const run = (accountId: string) =>
      simulateWorkflow(database, datedRenewal, { asOf: '2025-03-20', accountId });

    const late = entry(await run('late'), 'prepare');
    const early = entry(await run('early'), 'prepare');
    const undated = entry(await run('undated'), 'prepare');

    expect(late.dueDate).toBe('2025-03-16');
    expect(late.overdueToday).toBe(true);
    expect(early.dueDate).toBe('2025-05-31');
    expect(early.overdueToday).toBe(false);
    expect(undated.dueDate).toBeNull();
    expect(undated.overdueToday).toBe(false);
  });

  it('due on asOf is not overdue', async () => {
    await setup.engine.accounts.upsert([
      account('edge', setup.csm.id, { dates: { renewal_date: '2025-04-19' } }),
    ]);

    const result = await simulateWorkflow(database, datedRenewal, {
      asOf: '2025-03-20',
      accountId: 'edge',
    });

    expect(entry(result, 'prepare').dueDate).toBe('2025-03-20');
    expect(entry(result, 'prepare').overdueToday).toBe(false);
  });

  it('anchors on the next anniversary', async () => {
    await setup.engine.accounts.upsert([contractAccount('e1', 'Enterprise', '2022-06-10')]);

    const result = await simulateWorkflow(database, renewal, {
      asOf: '2025-01-15',
      accountId: 'e1',
      rules: [renewalRule],
    });

    expect(result.anchorDate).toBe('2025-06-10');
    // The occurrence starts 90 days before the anniversary, after asOf.
    expect(result.startDate).toBe('2025-03-12');
    for (const milestone of renewal.milestones) {
      const due = milestone.due;
      if (due?.kind !== 'anchor') throw new Error(`${milestone.id} is not due by the anchor.`);
      expect(entry(result, milestone.id).dueDate, milestone.id).toBe(
        plusDays('2025-06-10', due.days),
      );
    }
    expect(entry(result, 'usage_check').dueDate).toBe('2025-04-11');
    expect(entry(result, 'close').dueDate).toBe('2025-06-10');
  });

  it('starts an open occurrence today', async () => {
    await setup.engine.accounts.upsert([contractAccount('e1', 'Enterprise', '2022-06-10')]);

    const result = await simulateWorkflow(database, renewal, {
      asOf: '2025-05-01',
      accountId: 'e1',
      rules: [renewalRule],
    });

    expect(result.anchorDate).toBe('2025-06-10');
    expect(result.startDate).toBe('2025-05-01');
    expect(entry(result, 'usage_check').dueDate).toBe('2025-04-11');
    expect(entry(result, 'usage_check').overdueToday).toBe(true);
    expect(entry(result, 'close').overdueToday).toBe(false);
  });

  it('moves 29 February anniversaries', async () => {
    await setup.engine.accounts.upsert([contractAccount('leap', 'Enterprise', '2024-02-29')]);

    const common = await simulateWorkflow(database, renewal, {
      asOf: '2024-06-01',
      accountId: 'leap',
      rules: [renewalRule],
    });
    const leapYear = await simulateWorkflow(database, renewal, {
      asOf: '2027-06-01',
      accountId: 'leap',
      rules: [renewalRule],
    });

    expect(common.anchorDate).toBe(anniversaryIn('2024-02-29', 2025));
    expect(common.anchorDate).toBe('2025-02-28');
    expect(leapYear.anchorDate).toBe('2028-02-29');
    expect(entry(common, 'close').dueDate).toBe('2025-02-28');
  });

  it('no anchor without a contract start', async () => {
    await setup.engine.accounts.upsert([contractAccount('none', 'Enterprise', null)]);

    const result = await simulateWorkflow(database, renewal, {
      asOf: '2025-01-15',
      accountId: 'none',
      rules: [renewalRule],
    });

    expect(result.anchorDate).toBeNull();
    expect(result.startDate).toBe('2025-01-15');
    expect(result.timeline.every((m) => m.dueDate === null)).toBe(true);
  });

  it('projects without an account', async () => {
    await setup.engine.accounts.upsert([contractAccount('e1', 'Enterprise', '2022-06-10')]);

    const result = await simulateWorkflow(database, renewal, {
      asOf: '2025-01-15',
      rules: [renewalRule],
    });

    expect(result.account).toBeNull();
    expect(result.anchorDate).toBeNull();
    expect(result.asOf).toBe('2025-01-15');
    expect(result.startDate).toBe('2025-01-15');
    expect(result.timeline.map((m) => m.id)).toEqual(result.projection.milestones.map((m) => m.id));
  });

  it('warns from stored accounts', async () => {
    await setup.engine.accounts.upsert([
      contractAccount('b1', 'Basic', '2022-06-10'),
      contractAccount('p1', 'Pro', '2023-01-10'),
    ]);

    const result = await simulateWorkflow(database, renewal, {
      asOf: '2025-01-15',
      rules: [renewalRule],
    });

    const codes = result.warnings.map((w) => [w.code, w.ids]);
    expect(codes).toContainEqual(['always_skipped', ['enterprise_review']]);
    expect(codes).toContainEqual(['condition_never_met', [renewalRule.id]]);
  });

  it('rejects an unknown account', async () => {
    const run = simulateWorkflow(database, renewal, { asOf: '2025-01-15', accountId: 'ghost' });

    await expect(run).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      simulateWorkflow(database, renewal, { asOf: '2025-01-15', accountId: 'ghost' }),
    ).rejects.toThrow(/ghost/);
  });

  it('writes nothing', async () => {
    const { engine } = setup;
    await engine.accounts.upsert([
      contractAccount('e1', 'Enterprise', '2022-06-10'),
      account('smb', setup.csm.id, { dates: { renewal_date: '2025-04-15' } }),
    ]);
    await engine.workflows.publish(renewal, setup.lead.id);
    await engine.rules.save(renewal.key, [renewalRule]);
    await engine.instances.deploy(setup.version.id, ['smb'], { userId: setup.lead.id });
    const before = await countRows();
    expect(before.instances).toBe(1);
    expect(before.workflow_rules).toBe(1);

    await simulateWorkflow(database, renewal, {
      asOf: '2025-01-15',
      accountId: 'e1',
      rules: [renewalRule],
    });
    await simulateWorkflow(database, datedRenewal, { asOf: '2025-03-20', accountId: 'smb' });
    await simulateWorkflow(database, renewal, { asOf: '2025-01-15' });

    expect(await countRows()).toEqual(before);
  });
});
