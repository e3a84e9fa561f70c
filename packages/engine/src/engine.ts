import type { Database } from '@milepost/db';
import { listAccounts, type AccountListFilter, type AccountPage } from './account-list.ts';
import { Accounts } from './accounts.ts';
import { AlertTasks } from './alerts/tasks.ts';
import { AlertTypes } from './alerts/alert-types.ts';
import { ApiTokens } from './api-tokens.ts';
import { NotFoundError } from './errors.ts';
import { reassignAccounts, type ReassignResult } from './reassign.ts';
import { systemClock, type Clock } from './clock.ts';
import { Drafts } from './drafts.ts';
import { Instances } from './instances.ts';
import { Metrics } from './metrics.ts';
import type { Mailer } from './digest.ts';
import { Notifications } from './notifications.ts';
import { Playbooks } from './playbooks/playbooks.ts';
import { Queries } from './queries.ts';
import { Rules } from './rules.ts';
import { Scheduler } from './scheduler.ts';
import {
  bottleneckInstances,
  bottlenecks,
  durationReport,
  durationTotals,
  milestoneStats,
  PERCENTILE_METHOD,
  statusBoard,
  workflowStats,
  type Breakdown,
  type DurationReport,
  type ReportFilter,
} from './reports/index.ts';
import { Users } from './users.ts';
import { Workflows } from './workflows.ts';

export interface EngineOptions {
  database: Database;
  clock?: Clock;
  /** Sends daily digests by email; without it the scheduler sends none. */
  mailer?: Mailer;
}

/** Everything that reads or writes Milepost's database, on one connection and one clock. */
export class Engine {
  readonly database: Database;
  readonly clock: Clock;
  readonly users: Users;
  readonly accounts: Accounts;
  readonly metrics: Metrics;
  readonly apiTokens: ApiTokens;
  readonly workflows: Workflows;
  readonly instances: Instances;
  readonly queries: Queries;
  readonly drafts: Drafts;
  readonly playbooks: Playbooks;
  readonly rules: Rules;
  readonly scheduler: Scheduler;
  readonly notifications: Notifications;
  readonly alertTasks: AlertTasks;
  readonly alertTypes: AlertTypes;

  constructor(options: EngineOptions) {
    this.database = options.database;
    this.clock = options.clock ?? systemClock;
    this.users = new Users(this.database, this.clock);
    this.workflows = new Workflows(this.database, this.clock);
    this.accounts = new Accounts(this.database, this.clock, this.workflows);
    this.metrics = new Metrics(this.database);
    this.apiTokens = new ApiTokens(this.database, this.clock);
    this.instances = new Instances(this.database, this.clock, this.workflows);
    this.alertTypes = new AlertTypes(this.database, this.clock);
    this.queries = new Queries(this.database, this.workflows, () => this.clock.now());
    this.drafts = new Drafts(this.database, this.clock, this.workflows);
    this.playbooks = new Playbooks(this.database, this.clock);
    this.rules = new Rules(this.database, this.clock, this.workflows, this.instances);
    this.notifications = new Notifications(this.database, this.clock, this.workflows);
    this.scheduler = new Scheduler(
      this.database,
      this.clock,
      this.rules,
      this.notifications,
      this.queries,
      { ...(options.mailer ? { mailer: options.mailer } : {}), alertTypes: this.alertTypes },
    );
    this.alertTasks = new AlertTasks(this.database, this.clock, {
      version: (id) => this.playbooks.version(id),
    });
  }

  /** Lists one page of accounts matching a search and filters. */
  listAccounts(filter: AccountListFilter): Promise<AccountPage> {
    return listAccounts(this.database, filter, this.clock.now());
  }

  /** Gives accounts a new owner; their open tasks follow. */
  reassignAccounts(request: Parameters<typeof reassignAccounts>[2]): Promise<ReassignResult> {
    return reassignAccounts(this.database, this.clock, request);
  }

  /** Sets the note on a milestone of an instance, recorded as a transition. */
  async setNote(
    instanceId: string,
    milestoneId: string,
    note: string,
    userId: string | null,
  ): Promise<void> {
    const now = this.clock.now();
    await this.database.db.transaction().execute(async (trx) => {
      let row = await trx
        .selectFrom('instance_milestones')
        .select('state')
        .where('instance_id', '=', instanceId)
        .where('milestone_id', '=', milestoneId)
        .executeTakeFirst();
      if (!row) {
        // A locked milestone has no row yet, so the note gives it one if it is in the workflow.
        const instance = await trx
          .selectFrom('instances')
          .select('version_id')
          .where('id', '=', instanceId)
          .executeTakeFirst();
        const compiled = instance ? await this.workflows.compiled(instance.version_id) : null;
        if (!compiled?.graph.milestones.has(milestoneId)) {
          throw new NotFoundError('milestone', `${milestoneId} of instance ${instanceId}`);
        }
        row = { state: 'locked' };
        await trx
          .insertInto('instance_milestones')
          .values({ instance_id: instanceId, milestone_id: milestoneId, state: 'locked' })
          .execute();
      }
      await trx
        .updateTable('instance_milestones')
        .set({ note })
        .where('instance_id', '=', instanceId)
        .where('milestone_id', '=', milestoneId)
        .execute();
      await trx
        .insertInto('transitions')
        .values({
          instance_id: instanceId,
          milestone_id: milestoneId,
          from_state: row.state,
          to_state: row.state,
          at: now,
          user_id: userId,
          detail: JSON.stringify({ note }),
        })
        .execute();
    });
  }

  /** Reads the stored revision of an instance, so a view can notice changes made elsewhere. */
  async instanceRevision(instanceId: string): Promise<number> {
    const row = await this.database.db
      .selectFrom('instances')
      .select('revision')
      .where('id', '=', instanceId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('instance', instanceId);
    return row.revision;
  }

  /** Turns a user's daily email digest on or off. */
  async setDailyDigest(userId: string, enabled: boolean): Promise<void> {
    await this.database.db
      .updateTable('users')
      .set({ daily_digest: enabled ? 1 : 0 })
      .where('id', '=', userId)
      .execute();
  }

  /**
   * Computes every report figure for a filter in the database: milestone and workflow duration
   * distributions split by `breakdown`, the status board and the bottlenecks.
   */
  async reportOverview(filter: ReportFilter, breakdown: Breakdown = 'none') {
    const all = await this.workflows.versions(filter.workflowKey);
    if (all.length === 0) {
      throw new NotFoundError('published workflow', filter.workflowKey, 'Publish it first.');
    }
    const versions = filter.versions?.length
      ? all.filter((v) => filter.versions!.includes(v.version))
      : all;
    const now = this.clock.now();
    // One count of the done milestones serves the distributions and the bottlenecks.
    const totals = await durationTotals(this.database, versions, filter, breakdown);
    return {
      workflowKey: filter.workflowKey,
      versions: all.map((v) => v.version),
      percentileMethod: PERCENTILE_METHOD,
      breakdown,
      milestones: await milestoneStats(this.database, versions, filter, breakdown, totals),
      workflow: await workflowStats(this.database, versions, filter, breakdown),
      status: await statusBoard(this.database, versions, filter, now),
      bottlenecks: await bottlenecks(this.database, versions, filter, now, totals),
    };
  }

  /** Lists the instances behind a bottleneck. */
  async bottleneckInstances(filter: ReportFilter, milestoneId: string) {
    const versions = await this.workflows.versions(filter.workflowKey);
    return bottleneckInstances(this.database, versions, filter, milestoneId, this.clock.now());
  }

  /** Per-milestone durations of a workflow's version (the latest when none is given). */
  async durationReport(workflowKey: string, version?: number): Promise<DurationReport> {
    const resolved =
      version === undefined
        ? await this.workflows.latest(workflowKey)
        : await this.workflows.version(workflowKey, version);
    return durationReport(this.database, resolved);
  }
}
