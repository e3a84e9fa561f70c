import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Engine, ManualClock, mapAccountRows, seededRandom, type Clock } from '@milepost/engine';
import type { Database } from '@milepost/db';
import {
  dateToMs,
  DAY_MS,
  msToDate,
  parseAccountMapping,
  parseDefinition,
  parseTeamFile,
  type Account,
} from '@milepost/model';

import { seedAlertHistory, type AlertHistorySummary } from './alert-history.ts';
import { workInstance } from './team-pace.ts';

/** The password of every demo user; the README prints it. */
export const DEMO_PASSWORD = 'milepost-demo';

export const EXAMPLES_ROOT = fileURLToPath(new URL('../../../../examples', import.meta.url));

export interface SeedSummary {
  users: number;
  accounts: number;
  workflows: string[];
  instances: Record<string, number>;
  completed: number;
  alerts: AlertHistorySummary;
}

const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8'));

/** Moves a renewal date forward by whole years until it lies after `today`. */
function nextAnniversary(date: string, today: number): string {
  let ms = dateToMs(date);
  for (let years = 1; ms <= today; years++) {
    const shifted = new Date(dateToMs(date));
    shifted.setUTCFullYear(shifted.getUTCFullYear() + years);
    ms = shifted.getTime();
  }
  return msToDate(ms);
}

/**
 * Seeds the demo: the example team with the demo password, the example accounts (renewal dates
 * rolled forward past today), the example workflows, playbooks and alert types, generated daily
 * usage, and two and a half months of workflow and alert history worked by a simulated team, so
 * every page has content on first start.
 */
export async function seedDemo(database: Database, clock: Clock, seed = 7): Promise<SeedSummary> {
  const today = clock.now();
  const historyStart = today - 75 * DAY_MS;
  const simulated = new ManualClock(historyStart);
  const engine = new Engine({ database, clock: simulated });
  const random = seededRandom(seed);

  const team = parseTeamFile(readJson(join(EXAMPLES_ROOT, 'team.json')));
  for (const member of team.users)
    await engine.users.upsert({ ...member, password: DEMO_PASSWORD });
  const users = await engine.users.list();
  const known = new Map(users.map((user) => [user.email.toLowerCase(), user.id as string]));

  const mapping = parseAccountMapping(readJson(join(EXAMPLES_ROOT, 'accounts.mapping.json')));
  const csv = readFileSync(join(EXAMPLES_ROOT, 'demo-accounts.csv'), 'utf8');
  const { accounts } = mapAccountRows(csv, mapping, known);
  const rolled: Account[] = accounts.map((account) => {
    const renewal = account.dates.renewal_date;
    return renewal
      ? { ...account, dates: { ...account.dates, renewal_date: nextAnniversary(renewal, today) } }
      : account;
  });
  await engine.accounts.upsert(rolled);

  const workflows: string[] = [];
  const folder = join(EXAMPLES_ROOT, 'workflows');
  for (const file of readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    const definition = parseDefinition(readJson(join(folder, file)), file);
    await engine.workflows.publish(definition, users.find((u) => u.role === 'admin')?.id ?? null);
    workflows.push(definition.key);
  }

  const lead = users.find((user) => user.role === 'lead')!;
  const plan = rolled.map((account, index) => {
    const stage = account.stage?.toLowerCase() ?? '';
    const renewalIn = (dateToMs(account.dates.renewal_date ?? msToDate(today)) - today) / DAY_MS;
    if (stage === 'onboarding' || index % 4 === 0) return { account, key: 'onboarding' };
    if (renewalIn < 150) return { account, key: 'renewal' };
    return { account, key: 'qbr' };
  });

  const summary: Omit<SeedSummary, 'alerts'> = {
    users: users.length,
    accounts: rolled.length,
    workflows,
    instances: {},
    completed: 0,
  };
  for (const [index, { account, key }] of plan.entries()) {
    const version = await engine.workflows.latest(key);
    const compiled = await engine.workflows.compiled(version.id);
    const startsDaysAgo =
      key === 'onboarding' ? 5 + Math.floor(random() * 70) : 3 + Math.floor(random() * 40);
    simulated.set(today - startsDaysAgo * DAY_MS + index * 60_000);
    if (key === 'onboarding') {
      // An onboarding starts when the account signs up, so its signup date follows the start.
      const signedUp = { ...account.dates, signup_date: msToDate(simulated.now()) };
      await engine.accounts.upsert([{ ...account, dates: signedUp }]);
    }
    const { started } = await engine.instances.deploy(version.id, [account.id], {
      userId: lead.id,
      simulated: true,
    });
    const instanceId = started[0];
    if (!instanceId || !account.ownerId) continue;
    summary.instances[key] = (summary.instances[key] ?? 0) + 1;

    // Leave a share of tasks untouched, so some are overdue when the demo opens.
    const until = random() < 0.25 ? simulated.now() + DAY_MS : today - DAY_MS * random() * 3;
    await workInstance(engine, simulated, compiled, instanceId, account.ownerId, until, random);
    const view = await engine.queries.instance(instanceId);
    if (view.status === 'completed') summary.completed++;
  }

  // Onboarding moved signup dates above, so usage reads the accounts as stored now.
  const final = await Promise.all(rolled.map((account) => engine.accounts.get(account.id)));
  // A random stream of its own keeps the workflow history the same whatever the alerts draw.
  const alerts = await seedAlertHistory(engine, simulated, {
    examplesRoot: EXAMPLES_ROOT,
    accounts: final,
    from: historyStart,
    today,
    userId: lead.id,
    random: seededRandom(seed + 1),
  });

  // The history's own notifications are read; only what happened in the last two days is new.
  await database.db
    .updateTable('notifications')
    .set({ read_at: today })
    .where('created_at', '<', today - 2 * DAY_MS)
    .execute();
  return { ...summary, alerts };
}
