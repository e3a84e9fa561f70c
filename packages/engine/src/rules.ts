import { projectSchedule } from '@milepost/compiler';
import type { Database } from '@milepost/db';
import {
  accountFieldValues,
  DAY_MS,
  DeploymentRule,
  evaluateCondition,
  msToDate,
  occurrencesBetween,
  type Account,
  type DateTrigger,
  type IsoDate,
} from '@milepost/model';
import { toAccount } from './accounts.ts';
import type { Clock } from './clock.ts';
import { NotFoundError } from './errors.ts';
import type { DeployTarget, Instances } from './instances.ts';
import type { Workflows } from './workflows.ts';

export interface StoredRule {
  workflowKey: string;
  rule: DeploymentRule;
  enabled: boolean;
  enabledAt: number | null;
  /** Date triggers: occurrences starting on or before this date are handled. */
  evaluatedThrough: string | null;
}

export interface PreviewRow {
  accountId: string;
  accountName: string;
  /** The date the instance would start. */
  startDate: IsoDate;
  /** The occurrence (anchor) date, for date triggers. */
  occurrenceDate: IsoDate | null;
  /** Due date of each milestone the instance would run, `null` where it cannot be known. */
  dueDates: Record<string, IsoDate | null>;
  /** Milestones the account's fields would skip. */
  skipped: string[];
}

export interface RuleRunSummary {
  /** Instances started, by workflow key. */
  started: Record<string, number>;
  /** Instances cancelled by exit conditions. */
  cancelled: number;
}

/** Occurrence key of a rule occurrence for one account: an occurrence starts one instance. */
export function occurrenceKey(
  workflowKey: string,
  ruleId: string,
  accountId: string,
  what: string,
) {
  return `${workflowKey}:${ruleId}:${accountId}:${what}`;
}

const dayBefore = (date: string) => msToDate(Date.parse(`${date}T00:00:00Z`) - DAY_MS);

/**
 * Deployment rules of workflows and their evaluation: date triggers with recurrence and
 * offsets, event triggers (account created, stage entered, workflow completed), conditions
 * and exit conditions. Every start carries an occurrence key, so repeated runs start nothing
 * twice.
 */
export class Rules {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly workflows: Workflows,
    private readonly instances: Instances,
  ) {}

  /**
   * Replaces the rules of a workflow. A rule that keeps its id keeps its progress; a rule newly
   * enabled handles occurrences from today on, unless enrolled with `enroll`.
   */
  async save(workflowKey: string, rules: readonly DeploymentRule[]): Promise<void> {
    const now = this.clock.now();
    const today = msToDate(now);
    const stored = new Map((await this.list(workflowKey)).map((r) => [r.rule.id, r]));
    const cursor = await this.#eventCursor();

    await this.database.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('workflow_rules').where('workflow_key', '=', workflowKey).execute();
      for (const rule of rules) {
        const before = stored.get(rule.id);
        const keepsProgress = before && before.enabled === rule.enabled;
        const enabledAt = rule.enabled ? now : null;
        await trx
          .insertInto('workflow_rules')
          .values({
            workflow_key: workflowKey,
            rule_id: rule.id,
            rule_json: JSON.stringify(rule),
            enabled: rule.enabled ? 1 : 0,
            enabled_at: keepsProgress ? before.enabledAt : enabledAt,
            evaluated_through: keepsProgress
              ? before.evaluatedThrough
              : initialCursor(rule, today, cursor),
            updated_at: now,
          })
          .execute();
      }
    });
  }

  async list(workflowKey?: string): Promise<StoredRule[]> {
    let query = this.database.db
      .selectFrom('workflow_rules')
      .selectAll()
      .orderBy('workflow_key')
      .orderBy('rule_id');
    if (workflowKey) query = query.where('workflow_key', '=', workflowKey);
    const rows = await query.execute();
    return rows.map((row) => ({
      workflowKey: row.workflow_key,
      rule: DeploymentRule.parse(JSON.parse(row.rule_json)),
      enabled: row.enabled === 1,
      enabledAt: row.enabled_at,
      evaluatedThrough: row.evaluated_through,
    }));
  }

  async get(workflowKey: string, ruleId: string): Promise<StoredRule> {
    const rule = (await this.list(workflowKey)).find((r) => r.rule.id === ruleId);
    if (!rule) throw new NotFoundError('rule', `${workflowKey}/${ruleId}`);
    return rule;
  }

  /**
   * Enables or disables a rule. Enabling handles occurrences from today on; with `enrollNow`,
   * accounts that already match (inside a date window that has opened, or in the stage now)
   * are enrolled at once.
   */
  async setEnabled(
    workflowKey: string,
    ruleId: string,
    enabled: boolean,
    options: { enrollNow?: boolean } = {},
  ): Promise<{ enrolled: number }> {
    const stored = await this.get(workflowKey, ruleId);
    const rule = { ...stored.rule, enabled };
    const now = this.clock.now();
    await this.database.db
      .updateTable('workflow_rules')
      .set({
        rule_json: JSON.stringify(rule),
        enabled: enabled ? 1 : 0,
        enabled_at: enabled ? now : null,
        evaluated_through: initialCursor(rule, msToDate(now), await this.#eventCursor()),
        updated_at: now,
      })
      .where('workflow_key', '=', workflowKey)
      .where('rule_id', '=', ruleId)
      .execute();
    if (!enabled || !options.enrollNow) return { enrolled: 0 };
    return { enrolled: await this.#enrollExisting(workflowKey, rule) };
  }

  /** Moves every enabled date rule's progress back, so a replay from `from` handles it again. */
  async rewindTo(from: IsoDate): Promise<void> {
    for (const stored of await this.list()) {
      if (!stored.enabled || stored.rule.trigger.kind !== 'date') continue;
      await this.database.db
        .updateTable('workflow_rules')
        .set({ evaluated_through: dayBefore(from) })
        .where('workflow_key', '=', stored.workflowKey)
        .where('rule_id', '=', stored.rule.id)
        .execute();
    }
  }

  /**
   * Lists the accounts a rule would start the workflow on, with start dates in
   * `[asOf, asOf + days]` for date triggers, and the due dates the instances would get.
   * Event triggers list the accounts that satisfy the condition today.
   */
  async preview(
    workflowKey: string,
    rule: DeploymentRule,
    options: { asOf?: IsoDate; days?: number } = {},
  ): Promise<PreviewRow[]> {
    const asOf = options.asOf ?? msToDate(this.clock.now());
    const until = msToDate(Date.parse(`${asOf}T00:00:00Z`) + (options.days ?? 365) * DAY_MS);
    const version = await this.workflows.latest(workflowKey);
    const compiled = await this.workflows.compiled(version.id);
    const rows: PreviewRow[] = [];

    for (const account of await this.#matchingAccounts(rule)) {
      const fields = accountFieldValues(account);
      const starts =
        rule.trigger.kind === 'date'
          ? this.#occurrences(rule.trigger, account, asOf, until)
          : rule.trigger.kind === 'stage_entered' && account.stage !== rule.trigger.stage
            ? []
            : [{ startDate: asOf, occurrenceDate: null as IsoDate | null }];
      for (const { startDate, occurrenceDate } of starts) {
        const projection = projectSchedule(compiled.graph, {
          startAt: Date.parse(`${startDate}T00:00:00Z`),
          account: fields,
          ...(occurrenceDate ? { anchorDate: occurrenceDate } : {}),
        });
        rows.push({
          accountId: account.id,
          accountName: account.name,
          startDate,
          occurrenceDate,
          dueDates: Object.fromEntries(
            projection.milestones
              .filter((m) => !m.skipped)
              .map((m) => [m.id, m.dueAt === null ? null : msToDate(m.dueAt)]),
          ),
          skipped: projection.milestones.filter((m) => m.skipped).map((m) => m.id),
        });
      }
    }
    return rows.sort(
      (a, b) => a.startDate.localeCompare(b.startDate) || a.accountId.localeCompare(b.accountId),
    );
  }

  /**
   * Evaluates every enabled rule at the clock's now: starts the instances their occurrences
   * call for and cancels running instances whose account meets the rule's exit condition.
   * A recurring rule that missed occurrences starts only the latest one per account.
   */
  async evaluate(): Promise<RuleRunSummary> {
    const summary: RuleRunSummary = { started: {}, cancelled: 0 };
    for (const stored of await this.list()) {
      if (!stored.enabled) continue;
      const published = await this.workflows.list();
      if (!published.some((w) => w.key === stored.workflowKey && w.latestVersion !== null))
        continue;

      summary.cancelled += await this.#applyExitCondition(stored);
      const started = await this.#startDue(stored);
      if (started > 0)
        summary.started[stored.workflowKey] = (summary.started[stored.workflowKey] ?? 0) + started;
    }
    return summary;
  }

  async #startDue(stored: StoredRule): Promise<number> {
    const { workflowKey, rule } = stored;
    const today = msToDate(this.clock.now());
    const trigger = rule.trigger;
    let targets: DeployTarget[] = [];
    let cursor: string;

    if (trigger.kind === 'date') {
      const from = stored.evaluatedThrough
        ? msToDate(Date.parse(`${stored.evaluatedThrough}T00:00:00Z`) + DAY_MS)
        : today;
      if (from > today) return 0;
      for (const account of await this.#matchingAccounts(rule)) {
        const latest = this.#occurrences(trigger, account, from, today).at(-1);
        if (!latest) continue;
        targets.push({
          accountId: account.id,
          anchorDate: latest.occurrenceDate,
          occurrenceKey: occurrenceKey(workflowKey, rule.id, account.id, latest.occurrenceDate),
        });
      }
      cursor = today;
    } else {
      const after = Number(stored.evaluatedThrough ?? 0);
      const { rows, last } = await this.#eventsAfter(trigger, after);
      const matching = new Set<string>((await this.#matchingAccounts(rule)).map((a) => a.id));
      targets = rows
        .filter((row) => matching.has(row.accountId))
        .map((row) => ({
          accountId: row.accountId,
          occurrenceKey: occurrenceKey(workflowKey, rule.id, row.accountId, row.what),
        }));
      cursor = String(last);
    }

    let started = 0;
    if (targets.length > 0) {
      const version = await this.workflows.latest(workflowKey);
      const result = await this.instances.deploy(version.id, targets, {
        userId: null,
        ruleId: rule.id,
      });
      started = result.started.length;
    }
    await this.database.db
      .updateTable('workflow_rules')
      .set({ evaluated_through: cursor })
      .where('workflow_key', '=', workflowKey)
      .where('rule_id', '=', rule.id)
      .execute();
    return started;
  }

  /** Event rows after a cursor: account creations, stage entries or completed instances. */
  async #eventsAfter(trigger: DeploymentRule['trigger'], after: number) {
    const db = this.database.db;
    if (trigger.kind === 'workflow_completed') {
      const rows = await db
        .selectFrom('instances')
        .select(['id', 'account_id', 'ended_at'])
        .where('workflow_key', '=', trigger.workflow)
        .where('status', '=', 'completed')
        .where('ended_at', '>', after)
        .orderBy('ended_at')
        .execute();
      return {
        rows: rows.map((r) => ({ accountId: r.account_id, what: `after:${r.id}` })),
        last: rows.at(-1)?.ended_at ?? after,
      };
    }
    let query = db
      .selectFrom('account_events')
      .select(['id', 'account_id'])
      .where('id', '>', after)
      .orderBy('id');
    query =
      trigger.kind === 'stage_entered'
        ? query.where('kind', '=', 'stage').where('value', '=', trigger.stage)
        : query.where('kind', '=', 'created');
    const rows = await query.execute();
    const last = trigger.kind === 'date' ? after : await this.#eventCursor();
    return {
      rows: rows.map((r) => ({ accountId: r.account_id, what: `event:${r.id}` })),
      last: Math.max(after, last),
    };
  }

  async #applyExitCondition(stored: StoredRule): Promise<number> {
    const exit = stored.rule.exitCondition;
    if (!exit) return 0;
    const running = await this.database.db
      .selectFrom('instances as i')
      .innerJoin('accounts as a', 'a.id', 'i.account_id')
      .selectAll('a')
      // Aliased, because the account's own `id` column would overwrite a plain `i.id`.
      .select('i.id as instance_id')
      .where('i.workflow_key', '=', stored.workflowKey)
      .where('i.rule_id', '=', stored.rule.id)
      .where('i.status', 'in', ['running', 'paused'])
      .execute();

    let cancelled = 0;
    for (const row of running) {
      const account = toAccount(row);
      if (!evaluateCondition(exit, accountFieldValues(account))) continue;
      await this.instances.apply({
        instanceId: row.instance_id,
        event: { type: 'CANCEL' },
        userId: null,
        reason: `Rule "${stored.rule.id}" exit condition became true for account ${account.id}.`,
      });
      cancelled++;
    }
    return cancelled;
  }

  async #enrollExisting(workflowKey: string, rule: DeploymentRule): Promise<number> {
    const today = msToDate(this.clock.now());
    const trigger = rule.trigger;
    const targets: DeployTarget[] = [];
    for (const account of await this.#matchingAccounts(rule)) {
      if (trigger.kind === 'date') {
        // The window has opened (the start date passed) but the occurrence itself has not.
        const window = this.#occurrences(trigger, account, '1900-01-01', today).at(-1);
        if (window && window.occurrenceDate >= today) {
          targets.push({
            accountId: account.id,
            anchorDate: window.occurrenceDate,
            occurrenceKey: occurrenceKey(workflowKey, rule.id, account.id, window.occurrenceDate),
          });
        }
      } else if (trigger.kind === 'stage_entered' && account.stage === trigger.stage) {
        targets.push({
          accountId: account.id,
          occurrenceKey: occurrenceKey(workflowKey, rule.id, account.id, `enrolled:${today}`),
        });
      }
    }
    if (targets.length === 0) return 0;
    const version = await this.workflows.latest(workflowKey);
    const result = await this.instances.deploy(version.id, targets, {
      userId: null,
      ruleId: rule.id,
    });
    return result.started.length;
  }

  #occurrences(trigger: DateTrigger, account: Account, from: IsoDate, to: IsoDate) {
    const anchor = account.dates[trigger.anchor];
    return anchor ? occurrencesBetween(trigger, anchor, from, to) : [];
  }

  async #matchingAccounts(rule: DeploymentRule): Promise<Account[]> {
    const rows = await this.database.db.selectFrom('accounts').selectAll().orderBy('id').execute();
    const accounts = rows.map(toAccount);
    const condition = rule.condition;
    return condition
      ? accounts.filter((a) => evaluateCondition(condition, accountFieldValues(a)))
      : accounts;
  }

  async #eventCursor(): Promise<number> {
    const row = await this.database.db
      .selectFrom('account_events')
      .select((eb) => eb.fn.max('id').as('last'))
      .executeTakeFirst();
    return Number(row?.last ?? 0);
  }
}

/** Returns where a newly enabled rule starts: today for date triggers, the latest event for others. */
function initialCursor(rule: DeploymentRule, today: IsoDate, eventCursor: number): string | null {
  if (!rule.enabled) return null;
  if (rule.trigger.kind === 'date') return dayBefore(today);
  if (rule.trigger.kind === 'workflow_completed') return String(Date.parse(`${today}T00:00:00Z`));
  return String(eventCursor);
}
