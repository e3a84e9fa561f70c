import { checkWorkflow, compileWorkflow, type CheckResult } from '@milepost/compiler';
import type { Database } from '@milepost/db';
import {
  accountFieldValues,
  dateToMs,
  DAY_MS,
  msToDate,
  occurrencesBetween,
  type Condition,
  type DeploymentRule,
  type IsoDate,
  type WorkflowDefinition,
} from '@milepost/model';
import { toAccount } from './accounts.ts';
import { NotFoundError } from './errors.ts';

export interface SimulatedMilestone {
  id: string;
  name: string;
  skipped: boolean;
  readyDate: IsoDate;
  doneDate: IsoDate;
  dueDate: IsoDate | null;
  critical: boolean;
  /** Due before the simulation's "today", so the milestone would already be overdue. */
  overdueToday: boolean;
}

export interface Simulation extends CheckResult {
  asOf: IsoDate;
  startDate: IsoDate;
  endDate: IsoDate;
  account: { id: string; name: string } | null;
  /** The rule occurrence used as the anchor date, for workflows started by a date rule. */
  anchorDate: IsoDate | null;
  timeline: SimulatedMilestone[];
}

/** Raised when publishing a workflow whose simulation warns, without accepting the warnings. */
export class PublishWarningsError extends Error {
  readonly warnings: Simulation['warnings'];

  constructor(key: string, warnings: Simulation['warnings']) {
    const lines = warnings.map((w) => `  - [${w.code}] ${w.message}`).join('\n');
    super(`Publishing "${key}" needs the warnings confirmed:\n${lines}`);
    this.name = 'PublishWarningsError';
    this.warnings = warnings;
  }
}

export interface SimulationOptions {
  /** Today's date for the simulation (the clock's date by default). */
  asOf: IsoDate;
  /** Dry run on one account: its fields decide conditions and its dates the due dates. */
  accountId?: string;
  rules?: readonly DeploymentRule[];
}

/**
 * Simulates a definition with no side effects: the projected timeline (every milestone done
 * after its target), the checks shown before publishing, and for a dry run on an account, its
 * skipped milestones and due dates. For a workflow started by a date rule the anchor is the
 * account's open or next occurrence, and the instance starts on that occurrence's start date
 * or today, whichever is later. Only reads the database.
 */
export async function simulateWorkflow(
  database: Database,
  definition: WorkflowDefinition,
  options: SimulationOptions,
): Promise<Simulation> {
  const compiled = compileWorkflow(definition);
  const rows = await database.db.selectFrom('accounts').selectAll().execute();
  const accounts = rows.map(toAccount);
  const today = dateToMs(options.asOf);

  let account = null;
  let startAt = today;
  let anchorDate: IsoDate | null = null;
  if (options.accountId) {
    const found = accounts.find((a) => a.id === options.accountId);
    if (!found)
      throw new NotFoundError('account', options.accountId, 'Pick an account that exists.');
    account = found;
    const dateRule = options.rules?.find((rule) => rule.enabled && rule.trigger.kind === 'date');
    if (dateRule && dateRule.trigger.kind === 'date') {
      const anchor = found.dates[dateRule.trigger.anchor];
      const horizon = msToDate(today + 3 * 366 * DAY_MS);
      const occurrence = anchor
        ? occurrencesBetween(dateRule.trigger, anchor, '1900-01-01', horizon).find(
            (o) => o.occurrenceDate >= options.asOf,
          )
        : undefined;
      if (occurrence) {
        anchorDate = occurrence.occurrenceDate;
        startAt = Math.max(today, dateToMs(occurrence.startDate));
      }
    }
  }

  const fields = account ? accountFieldValues(account) : {};
  const ruleConditions: Record<string, Condition> = {};
  for (const rule of options.rules ?? [])
    if (rule.condition) ruleConditions[rule.id] = rule.condition;
  const result = checkWorkflow(compiled, {
    startAt,
    account: fields,
    ...(anchorDate ? { anchorDate } : {}),
    accounts: accounts.map(accountFieldValues),
    ruleConditions,
  });

  const timeline = result.projection.milestones.map((m) => ({
    id: m.id,
    name: m.name,
    skipped: m.skipped,
    readyDate: msToDate(m.readyAt),
    doneDate: msToDate(m.doneAt),
    dueDate: m.dueAt === null ? null : msToDate(m.dueAt),
    critical: m.critical,
    overdueToday: m.dueAt !== null && !m.skipped && m.dueAt < today,
  }));
  return {
    ...result,
    asOf: options.asOf,
    startDate: msToDate(startAt),
    endDate: msToDate(result.projection.endAt),
    account: account ? { id: account.id, name: account.name } : null,
    anchorDate,
    timeline,
  };
}
