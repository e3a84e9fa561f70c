import { randomUUID } from 'node:crypto';
import type { Database, Tables } from '@milepost/db';
import type { Transaction } from 'kysely';
import { DAY_MS } from '@milepost/model';
import type { AlertTypes } from './alerts/alert-types.ts';
import { markAlertOverdue, wakeSnoozedAlerts } from './alerts/tasks.ts';
import type { Clock } from './clock.ts';
import { sendDigests, type Mailer } from './digest.ts';
import { enqueueJobs, type JobKind } from './jobs.ts';
import { enqueueNotifications, type Notifications } from './notifications.ts';
import type { Queries } from './queries.ts';
import type { Rules, RuleRunSummary } from './rules.ts';

/** How long a claimed job stays reserved for the process that claimed it. */
const LEASE_MS = 5 * 60_000;
/** The maximum number of jobs one pass claims at a time. */
const CLAIM_BATCH = 200;
/** When a due timer of a paused instance looks again. */
const PAUSED_RETRY_MS = 6 * 3_600_000;
const HOUR_MS = 3_600_000;
/** The daily digest goes out at 07:00 UTC. */
const DIGEST_HOUR_MS = 7 * 3_600_000;

export interface SchedulerOptions {
  /** Sends the daily digest; without it, no digest job is scheduled. */
  mailer?: Mailer;
  /** Evaluates alert types daily. Without it, no alerts job is scheduled. */
  alertTypes?: AlertTypes;
}

export interface TickSummary {
  /** Jobs run, by kind. */
  jobs: Partial<Record<JobKind, number>>;
  /** Milestones marked overdue. */
  overdue: number;
  /** Due-tomorrow notifications created. */
  dueSoon: number;
  /** Digest emails sent. */
  digests: number;
  /** Alerts marked overdue. */
  alertsOverdue: number;
  /** Snoozed alerts reopened because their snooze ended. */
  alertsWoken: number;
  /** Alerts raised, by alert type key. */
  alertsRaised: Record<string, number>;
  rules: RuleRunSummary;
  failed: number;
}

interface ClaimedJob {
  id: number;
  kind: JobKind;
  key: string;
  payload: Record<string, unknown>;
}

/** Start of the next UTC day after `ms`. */
const nextMidnight = (ms: number) => Math.floor(ms / DAY_MS) * DAY_MS + DAY_MS;

/**
 * The one scheduler for every timed job: rule evaluation (daily) and due timers. Jobs are rows
 * with a due time, claimed in one guarded update (with `FOR UPDATE SKIP LOCKED` on PostgreSQL),
 * so several processes can share one database and each job runs once. Time comes from the
 * injected clock, so a pass after downtime runs every job that fell due meanwhile, once.
 */
export class Scheduler {
  readonly workerId = randomUUID();

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly rules: Rules,
    private readonly notifications: Notifications,
    private readonly queries: Queries,
    private readonly options: SchedulerOptions = {},
  ) {}

  /** Runs one pass: claims and runs every job due by now, until none is left. */
  async tick(): Promise<TickSummary> {
    const summary: TickSummary = {
      jobs: {},
      overdue: 0,
      dueSoon: 0,
      digests: 0,
      alertsOverdue: 0,
      alertsWoken: 0,
      alertsRaised: {},
      rules: { started: {}, cancelled: 0 },
      failed: 0,
    };
    const now = this.clock.now();
    summary.alertsWoken = await wakeSnoozedAlerts(this.database, now);
    // The first digest goes out at today's 07:00, or at once when that has passed.
    const digestAt = Math.floor(now / DAY_MS) * DAY_MS + DIGEST_HOUR_MS;
    await enqueueJobs(this.database.db, [
      { kind: 'rules', key: 'rules', run_at: now, payload_json: '{}' },
      { kind: 'due_soon', key: 'due_soon', run_at: now, payload_json: '{}' },
      ...(this.options.alertTypes
        ? [{ kind: 'alerts', key: 'alerts', run_at: now, payload_json: '{}' }]
        : []),
      ...(this.options.mailer
        ? [{ kind: 'digest', key: 'digest', run_at: digestAt, payload_json: '{}' }]
        : []),
    ]);

    for (;;) {
      const jobs = await this.#claim();
      if (jobs.length === 0) break;
      for (const job of jobs) {
        try {
          await this.#run(job, summary);
          summary.jobs[job.kind] = (summary.jobs[job.kind] ?? 0) + 1;
        } catch (error) {
          summary.failed++;
          await this.database.db
            .updateTable('jobs')
            .set((eb) => ({
              attempts: eb('attempts', '+', 1),
              last_error: (error as Error).message,
              claimed_by: null,
              claimed_until: null,
              run_at: this.clock.now() + 60_000,
            }))
            .where('id', '=', job.id)
            .execute();
          if (job.kind === 'rules') break;
        }
      }
    }
    return summary;
  }

  async #run(job: ClaimedJob, summary: TickSummary): Promise<void> {
    const now = this.clock.now();
    if (job.kind === 'alert_due') {
      const { alertId } = job.payload as { alertId: number };
      if (await markAlertOverdue(this.database, alertId, now)) summary.alertsOverdue++;
      await this.database.db
        .updateTable('jobs')
        .set({ done_at: now })
        .where('id', '=', job.id)
        .execute();
      return;
    }
    if (job.kind === 'alerts') {
      for (const result of (await this.options.alertTypes?.evaluateDue()) ?? []) {
        summary.alertsRaised[result.key] = (summary.alertsRaised[result.key] ?? 0) + result.raised;
      }
      // Each evaluation day runs once, the first pass after midnight, and reads the day before.
      await this.#reschedule(job.id, nextMidnight(now));
      return;
    }
    if (job.kind === 'due_soon' || job.kind === 'digest') {
      if (job.kind === 'due_soon') summary.dueSoon += await this.notifications.notifyDueTomorrow();
      else if (this.options.mailer) {
        const sent = await sendDigests(
          this.database,
          this.queries,
          this.clock,
          this.options.mailer,
        );
        summary.digests += sent.sent;
        if (sent.failed.length > 0)
          throw new Error(
            `Digest failed for ${sent.failed.map((f) => `${f.email}: ${f.error}`).join('; ')}`,
          );
      }
      const offset = job.kind === 'digest' ? DIGEST_HOUR_MS : 0;
      await this.#reschedule(job.id, nextMidnight(now - offset) + offset);
      return;
    }
    if (job.kind === 'rules') {
      const result = await this.rules.evaluate();
      for (const [key, count] of Object.entries(result.started)) {
        summary.rules.started[key] = (summary.rules.started[key] ?? 0) + count;
      }
      summary.rules.cancelled += result.cancelled;
      // The rules job recurs every hour, so event triggers and exit conditions act the same day;
      // date triggers keep their progress by date and start nothing twice.
      await this.#reschedule(job.id, Math.floor(now / HOUR_MS) * HOUR_MS + HOUR_MS);
      return;
    }

    const outcome = await this.#markOverdue(
      job.payload as { instanceId: string; milestoneId: string; dueAt: number },
    );
    if (outcome === 'marked') summary.overdue++;
    // A paused instance's clock is stopped, so its timer runs again later instead of being used
    // up. Due dates that do not move with the pause then still fire once the instance resumes.
    const next =
      outcome === 'paused'
        ? { run_at: now + PAUSED_RETRY_MS, claimed_by: null, claimed_until: null }
        : { done_at: now };
    await this.database.db.updateTable('jobs').set(next).where('id', '=', job.id).execute();
  }

  /**
   * Marks a milestone overdue once: only while it is open, in a running instance, still due at
   * the timer's time and not marked before. The mark is a transition with `overdue` detail.
   */
  async #markOverdue(payload: {
    instanceId: string;
    milestoneId: string;
    dueAt: number;
  }): Promise<'marked' | 'paused' | 'not_due'> {
    const now = this.clock.now();
    return this.database.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('instance_milestones as m')
        .innerJoin('instances as i', 'i.id', 'm.instance_id')
        .innerJoin('accounts as a', 'a.id', 'i.account_id')
        .select(['m.state', 'm.assignee_id', 'i.status', 'i.version_id', 'a.name as account_name'])
        .where('m.instance_id', '=', payload.instanceId)
        .where('m.milestone_id', '=', payload.milestoneId)
        .executeTakeFirst();
      if (!row || (row.state !== 'ready' && row.state !== 'active')) return 'not_due';
      if (row.status === 'paused') return 'paused';
      if (row.status !== 'running') return 'not_due';

      const marked = await trx
        .updateTable('instance_milestones')
        .set({ overdue_at: now })
        .where('instance_id', '=', payload.instanceId)
        .where('milestone_id', '=', payload.milestoneId)
        .where('overdue_at', 'is', null)
        .where('due_at', '=', payload.dueAt)
        .where('due_at', '<=', now)
        .executeTakeFirst();
      if (Number(marked.numUpdatedRows) !== 1) return 'not_due';

      await trx
        .insertInto('transitions')
        .values({
          instance_id: payload.instanceId,
          milestone_id: payload.milestoneId,
          from_state: row.state,
          to_state: row.state,
          at: now,
          user_id: null,
          detail: JSON.stringify({ overdue: true, dueAt: payload.dueAt }),
        })
        .execute();
      if (row.assignee_id) {
        const milestone = await this.#milestoneName(trx, row.version_id, payload.milestoneId);
        await enqueueNotifications(trx, [
          {
            user_id: row.assignee_id,
            kind: 'overdue',
            key: `overdue:${payload.instanceId}:${payload.milestoneId}:${payload.dueAt}`,
            instance_id: payload.instanceId,
            milestone_id: payload.milestoneId,
            message: `Overdue: ${milestone} for ${row.account_name}.`,
            created_at: now,
          },
        ]);
      }
      return 'marked';
    });
  }

  /**
   * Reads inside the caller's transaction, because on SQLite the transaction owns the only
   * connection and a query on `database.db` would wait for it forever.
   */
  async #milestoneName(
    trx: Transaction<Tables>,
    versionId: number,
    milestoneId: string,
  ): Promise<string> {
    const row = await trx
      .selectFrom('workflow_versions')
      .select('definition_json')
      .where('id', '=', versionId)
      .executeTakeFirst();
    const definition = row
      ? (JSON.parse(row.definition_json) as { milestones: { id: string; name: string }[] })
      : undefined;
    return definition?.milestones.find((m) => m.id === milestoneId)?.name ?? milestoneId;
  }

  async #reschedule(id: number, runAt: number): Promise<void> {
    await this.database.db
      .updateTable('jobs')
      .set({ run_at: runAt, claimed_by: null, claimed_until: null, attempts: 0 })
      .where('id', '=', id)
      .execute();
  }

  /** Claims due jobs for this process in one guarded update. */
  async #claim(): Promise<ClaimedJob[]> {
    const now = this.clock.now();
    const db = this.database.db;
    const isPostgres = this.database.dialect === 'postgres';
    const claimedUntil = now + LEASE_MS;

    await db
      .updateTable('jobs')
      .set({ claimed_by: this.workerId, claimed_until: claimedUntil })
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('jobs')
          .select('id')
          .where('done_at', 'is', null)
          .where('run_at', '<=', now)
          .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<', now)]))
          .orderBy('run_at')
          .limit(CLAIM_BATCH)
          // Other processes skip the rows this one is claiming instead of waiting for them.
          .$if(isPostgres, (q) => q.forUpdate().skipLocked()),
      )
      // Re-checked against the latest row version, so a row claimed meanwhile is left alone.
      .where((w) => w.or([w('claimed_until', 'is', null), w('claimed_until', '<', now)]))
      .where('done_at', 'is', null)
      .execute();

    const rows = await db
      .selectFrom('jobs')
      .select(['id', 'kind', 'key', 'payload_json'])
      .where('claimed_by', '=', this.workerId)
      .where('claimed_until', '=', claimedUntil)
      .where('done_at', 'is', null)
      .orderBy('run_at')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind as JobKind,
      key: row.key,
      payload: JSON.parse(row.payload_json) as Record<string, unknown>,
    }));
  }
}
