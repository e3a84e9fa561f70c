import type { Database } from '@milepost/db';
import { Accounts } from './accounts.ts';
import { systemClock, type Clock } from './clock.ts';
import { Drafts } from './drafts.ts';
import { Instances } from './instances.ts';
import type { Mailer } from './digest.ts';
import { Notifications } from './notifications.ts';
import { Queries } from './queries.ts';
import { Rules } from './rules.ts';
import { Scheduler } from './scheduler.ts';
import { durationReport, type DurationReport } from './reports.ts';
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
  readonly workflows: Workflows;
  readonly instances: Instances;
  readonly queries: Queries;
  readonly drafts: Drafts;
  readonly rules: Rules;
  readonly scheduler: Scheduler;
  readonly notifications: Notifications;

  constructor(options: EngineOptions) {
    this.database = options.database;
    this.clock = options.clock ?? systemClock;
    this.users = new Users(this.database, this.clock);
    this.workflows = new Workflows(this.database, this.clock);
    this.accounts = new Accounts(this.database, this.clock, this.workflows);
    this.instances = new Instances(this.database, this.clock, this.workflows);
    this.queries = new Queries(this.database, this.workflows, () => this.clock.now());
    this.drafts = new Drafts(this.database, this.clock, this.workflows);
    this.rules = new Rules(this.database, this.clock, this.workflows, this.instances);
    this.notifications = new Notifications(this.database, this.clock, this.workflows);
    this.scheduler = new Scheduler(
      this.database,
      this.clock,
      this.rules,
      this.notifications,
      this.queries,
      options.mailer ? { mailer: options.mailer } : {},
    );
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
