import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { v7 as timeOrderedUuid } from 'uuid';
import {
  EventRejectedError,
  type CompiledWorkflow,
  type InstanceEvent,
  type InstanceSnapshot,
  type InstanceStatus,
  type MilestoneState,
} from '@milepost/compiler';
import type { AccountsTable, Database, TransitionsTable } from '@milepost/db';
import type { Compilable, Insertable, Selectable } from 'kysely';
import { accountFieldValues } from '@milepost/model';
import { toAccount } from './accounts.ts';
import { readyFields, type ReadyContext } from './assignment.ts';
import {
  changedMilestones,
  JOB_COLUMNS,
  NOTIFICATION_COLUMNS,
  planWrite,
  TRANSITION_COLUMNS,
} from './event-write.ts';
import { insertRows, QueryTemplates } from './query-templates.ts';
import { WriteBatcher } from './write-batcher.ts';
import { dueJob } from './jobs.ts';
import { assignedNotification } from './notifications.ts';
import type { Clock } from './clock.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import type { Workflows } from './workflows.ts';

export interface ApplyEventOptions {
  instanceId: string;
  event: InstanceEvent;
  /** The user who caused the event; `null` for the scheduler. */
  userId: string | null;
  /** A repeated key applies once: the repeat returns the current state and changes nothing. */
  idempotencyKey?: string;
  /** The revision the caller last saw. A different stored revision raises `ConflictError`. */
  expectedRevision?: number;
  /** Marks the transitions as work of the simulated team. */
  simulated?: boolean;
  /** The reason for the change, recorded on the instance's status transition (a rule's exit). */
  reason?: string;
}

export interface ApplyEventResult {
  instanceId: string;
  revision: number;
  status: InstanceStatus;
  states: Record<string, MilestoneState>;
  /** False when the idempotency key had been used, so nothing changed. */
  applied: boolean;
}

export interface DeployOptions {
  userId: string | null;
  /** The deployment rule that starts the instances. */
  ruleId?: string;
  simulated?: boolean;
}

/** An account to start an instance on, with the rule occurrence that starts it, if any. */
export interface DeployTarget {
  accountId: string;
  /** Date of the rule occurrence; due dates can count from it. */
  anchorDate?: string;
  /** Key of the occurrence: an occurrence starts at most one instance, however often it runs. */
  occurrenceKey?: string;
}

export interface DeployResult {
  started: string[];
  /** Accounts left alone because an instance of the workflow is running or paused there. */
  skipped: { accountId: string; reason: string }[];
}

/** The in-memory copy of an instance row; a write checks `revision` against the stored one. */
interface LoadedInstance {
  id: string;
  versionId: number;
  accountId: string;
  anchorDate: string | null;
  startedAt: number;
  pausedAt: number | null;
  revision: number;
  snapshot: InstanceSnapshot;
}

class StaleRevisionError extends Error {}

type TransitionRow = Insertable<TransitionsTable>;
type AccountRow = Selectable<AccountsTable>;

/**
 * Accounts deployed per transaction. Each commit writes the pages the chunk changed, so larger
 * chunks write shared index pages fewer times. Here a chunk of 5,000 holds the write lock for
 * about 0.3 s.
 */
const DEPLOY_CHUNK = 5_000;

const INSTANCE_COLUMNS = [
  'id',
  'workflow_key',
  'version_id',
  'account_id',
  'status',
  'snapshot_json',
  'revision',
  'anchor_date',
  'occurrence_key',
  'rule_id',
  'started_at',
  'started_by',
  'ended_at',
  'paused_at',
] as const;

const MILESTONE_COLUMNS = [
  'instance_id',
  'milestone_id',
  'state',
  'ready_at',
  'done_at',
  'assignee_id',
  'due_at',
] as const;
const CACHE_LIMIT = 50_000;

/** Workflow instances: deployment and events, each written with its transitions in one transaction. */
export class Instances {
  /** Instances this process wrote or read last. A write still checks the stored revision. */
  readonly #cache = new LRUCache<string, LoadedInstance>({ max: CACHE_LIMIT });
  readonly #batcher: WriteBatcher;
  /** Compiled SQL of the deploy path's inserts. */
  readonly #templates = new QueryTemplates();
  /**
   * Reads the accounts of instances whose milestones become ready. Lookups made in the same
   * tick share one query, so many concurrent events wait once for the connection instead of
   * once each. Nothing is cached between ticks: every event reads the account as stored.
   */
  readonly #accounts = new DataLoader<string, AccountRow | undefined>(
    async (ids) => {
      const rows = await this.database.db
        .selectFrom('accounts')
        .selectAll()
        .where('id', 'in', ids)
        .execute();
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id));
    },
    { cache: false, maxBatchSize: 500 },
  );

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly workflows: Workflows,
  ) {
    this.#batcher = new WriteBatcher(database);
  }

  /**
   * Starts one instance of a version per account. Accounts that already run the workflow are
   * skipped and reported, and an occurrence key that was used before starts nothing again.
   */
  async deploy(
    versionId: number,
    accounts: readonly (string | DeployTarget)[],
    options: DeployOptions,
  ): Promise<DeployResult> {
    const targets = new Map<string, DeployTarget>();
    for (const entry of accounts) {
      const target = typeof entry === 'string' ? { accountId: entry } : entry;
      targets.set(target.accountId, target);
    }
    const accountIds = [...targets.keys()];
    const version = await this.workflows.byId(versionId);
    const compiled = await this.workflows.compiled(versionId);
    const userIdsByEmail = await this.#userIdsByEmail();
    const result: DeployResult = { started: [], skipped: [] };

    for (let offset = 0; offset < accountIds.length; offset += DEPLOY_CHUNK) {
      const chunk = accountIds.slice(offset, offset + DEPLOY_CHUNK);
      const created: LoadedInstance[] = [];
      await this.database.writeTransaction(async (runner) => {
        const db = this.database.db;
        const target = { runner, db, templates: this.#templates };
        const read = async <R>(query: Compilable<R>) =>
          (await runner.executeQuery(query.compile())).rows;
        const accounts = await read(db.selectFrom('accounts').selectAll().where('id', 'in', chunk));
        const found = new Map(accounts.map((row) => [row.id, toAccount(row)]));
        // Filtered by account only, so SQLite uses the account index; filtering by workflow
        // and status in SQL makes it scan every open instance of the workflow instead.
        const existing = await read(
          db
            .selectFrom('instances')
            .select(['account_id', 'workflow_key', 'status'])
            .where('account_id', 'in', chunk),
        );
        const running = existing.filter(
          (row) =>
            row.workflow_key === version.key &&
            (row.status === 'running' || row.status === 'paused'),
        );
        const busy = new Set(running.map((row) => row.account_id));
        const keys = chunk.flatMap((id) => targets.get(id)?.occurrenceKey ?? []);
        const used =
          keys.length === 0
            ? []
            : await read(
                db
                  .selectFrom('instances')
                  .select('occurrence_key')
                  .where('occurrence_key', 'in', keys),
              );
        const usedKeys = new Set(used.map((row) => row.occurrence_key));

        const now = this.clock.now();
        const instanceAccounts = new Map<string, string>();
        const instances = [];
        const milestones = [];
        const transitions: TransitionRow[] = [];
        for (const accountId of chunk) {
          const account = found.get(accountId);
          if (!account) {
            result.skipped.push({ accountId, reason: `account "${accountId}" does not exist` });
            continue;
          }
          const target = targets.get(accountId)!;
          const anchorDate = target.anchorDate ?? null;
          if (target.occurrenceKey && usedKeys.has(target.occurrenceKey)) {
            result.skipped.push({
              accountId,
              reason: `occurrence ${target.occurrenceKey} already started`,
            });
            continue;
          }
          if (busy.has(accountId) && !target.occurrenceKey) {
            result.skipped.push({
              accountId,
              reason: `a "${version.key}" instance is already running`,
            });
            continue;
          }

          const fields = accountFieldValues(account);
          const snapshot = compiled.start(fields);
          const id = timeOrderedUuid();
          const context: ReadyContext = {
            startAt: now,
            anchorDate,
            account: fields,
            userIdsByEmail,
          };
          instances.push({
            id,
            workflow_key: version.key,
            version_id: versionId,
            account_id: accountId,
            status: compiled.status(snapshot),
            snapshot_json: compiled.serialize(snapshot),
            revision: 1,
            anchor_date: anchorDate,
            occurrence_key: target.occurrenceKey ?? null,
            rule_id: options.ruleId ?? null,
            started_at: now,
            started_by: options.userId,
            ended_at: null,
            paused_at: null,
          });
          const simulated: 0 | 1 = options.simulated ? 1 : 0;
          const base = {
            instance_id: id,
            at: now,
            user_id: options.userId,
            simulated,
            detail: null,
          };
          transitions.push({ ...base, milestone_id: null, from_state: null, to_state: 'running' });
          for (const [milestoneId, state] of Object.entries(compiled.states(snapshot))) {
            // A locked milestone gets its row when it unlocks, and until then no row reads as locked.
            if (state === 'locked') continue;
            const ready = state === 'ready';
            milestones.push({
              instance_id: id,
              milestone_id: milestoneId,
              state,
              ready_at: ready ? now : null,
              done_at: state === 'skipped' ? now : null,
              ...(ready
                ? readyFields(compiled, milestoneId, now, context)
                : { assignee_id: null, due_at: null }),
            });
            transitions.push({
              ...base,
              milestone_id: milestoneId,
              from_state: 'locked',
              to_state: state,
            });
          }
          result.started.push(id);
          instanceAccounts.set(id, accountId);
          created.push({
            id,
            versionId,
            accountId,
            anchorDate,
            startedAt: now,
            pausedAt: null,
            revision: 1,
            snapshot,
          });
        }

        if (instances.length === 0) return;
        await insertRows(target, 'instances', INSTANCE_COLUMNS, instances);
        await insertRows(target, 'instance_milestones', MILESTONE_COLUMNS, milestones);
        const timers = milestones.flatMap((m) =>
          m.due_at == null ? [] : [dueJob(m.instance_id, m.milestone_id, m.due_at)],
        );
        await insertRows(target, 'jobs', JOB_COLUMNS, timers, { ignoreConflictOn: 'key' });
        const names = new Map(chunk.map((id) => [id, found.get(id)?.name ?? id]));
        const notices = milestones.flatMap((m) =>
          m.assignee_id
            ? [
                assignedNotification(
                  m.assignee_id,
                  m.instance_id,
                  m.milestone_id,
                  {
                    milestone: compiled.graph.milestones.get(m.milestone_id)!.name,
                    account: names.get(instanceAccounts.get(m.instance_id)!) ?? '',
                  },
                  now,
                ),
              ]
            : [],
        );
        await insertRows(target, 'notifications', NOTIFICATION_COLUMNS, notices, {
          ignoreConflictOn: 'key',
        });
        await insertRows(target, 'transitions', TRANSITION_COLUMNS, transitions);
      });
      created.forEach((loaded) => this.#remember(loaded));
    }
    return result;
  }

  /**
   * Applies an event: transitions the stored snapshot, then writes the new snapshot, the
   * milestone rows and the transitions in one transaction guarded by the revision column.
   */
  async apply(options: ApplyEventOptions): Promise<ApplyEventResult> {
    const { instanceId, idempotencyKey, expectedRevision } = options;
    if (idempotencyKey && (await this.#usedKey(idempotencyKey))) {
      return { ...(await this.#current(instanceId)), applied: false };
    }

    let loaded = this.#cache.get(instanceId);
    let fresh = false;
    if (!loaded || (expectedRevision !== undefined && expectedRevision !== loaded.revision)) {
      loaded = await this.#load(instanceId);
      fresh = true;
    }
    if (expectedRevision !== undefined && expectedRevision !== loaded.revision) {
      throw this.#conflict(loaded, `you saw revision ${expectedRevision}`);
    }

    try {
      return await this.#write(loaded, options);
    } catch (error) {
      if (!(error instanceof StaleRevisionError)) throw error;
      this.#cache.delete(instanceId);
      const current = await this.#load(instanceId);
      if (fresh || expectedRevision !== undefined)
        throw this.#conflict(current, 'another change won');
      try {
        return await this.#write(current, options);
      } catch (retryError) {
        if (retryError instanceof EventRejectedError)
          throw this.#conflict(current, retryError.reason);
        if (retryError instanceof StaleRevisionError)
          throw this.#conflict(current, 'another change won');
        throw retryError;
      }
    }
  }

  async #write(loaded: LoadedInstance, options: ApplyEventOptions): Promise<ApplyEventResult> {
    const compiled = await this.workflows.compiled(loaded.versionId);
    const next = compiled.apply(loaded.snapshot, options.event);
    const after = compiled.states(next);
    const becameReady = changedMilestones(compiled.states(loaded.snapshot), after).some(
      (id) => after[id] === 'ready',
    );
    const write = planWrite({
      compiled,
      instanceId: loaded.id,
      baseRevision: loaded.revision,
      pausedAt: loaded.pausedAt,
      before: loaded.snapshot,
      next,
      event: options.event,
      now: this.clock.now(),
      userId: options.userId,
      simulated: options.simulated ?? false,
      idempotencyKey: options.idempotencyKey,
      reason: options.reason,
      readyContext: becameReady ? await this.#readyContext(loaded, compiled) : undefined,
    });

    const outcome = await this.#batcher.submit(write);
    if (outcome === 'stale') throw new StaleRevisionError();
    if (outcome === 'duplicate_key') return { ...(await this.#current(loaded.id)), applied: false };

    this.#remember({
      ...loaded,
      revision: write.revision,
      snapshot: next,
      pausedAt: write.pausedAt,
    });
    return {
      instanceId: loaded.id,
      revision: write.revision,
      status: write.status,
      states: after,
      applied: true,
    };
  }

  async #load(instanceId: string): Promise<LoadedInstance> {
    const row = await this.database.db
      .selectFrom('instances')
      .select([
        'id',
        'version_id',
        'account_id',
        'anchor_date',
        'started_at',
        'paused_at',
        'revision',
        'snapshot_json',
      ])
      .where('id', '=', instanceId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('instance', instanceId);

    const compiled = await this.workflows.compiled(row.version_id);
    const loaded: LoadedInstance = {
      id: row.id,
      versionId: row.version_id,
      accountId: row.account_id,
      anchorDate: row.anchor_date,
      startedAt: row.started_at,
      pausedAt: row.paused_at,
      revision: row.revision,
      snapshot: compiled.restore(JSON.parse(row.snapshot_json)),
    };
    this.#remember(loaded);
    return loaded;
  }

  #remember(loaded: LoadedInstance): void {
    this.#cache.set(loaded.id, loaded);
  }

  async #current(instanceId: string): Promise<Omit<ApplyEventResult, 'applied'>> {
    const loaded = await this.#load(instanceId);
    const compiled = await this.workflows.compiled(loaded.versionId);
    return {
      instanceId,
      revision: loaded.revision,
      status: compiled.status(loaded.snapshot),
      states: compiled.states(loaded.snapshot),
    };
  }

  async #usedKey(key: string): Promise<boolean> {
    const row = await this.database.db
      .selectFrom('idempotency_keys')
      .select('key')
      .where('key', '=', key)
      .executeTakeFirst();
    return row !== undefined;
  }

  async #readyContext(loaded: LoadedInstance, compiled: CompiledWorkflow): Promise<ReadyContext> {
    const row = await this.#accounts.load(loaded.accountId);
    if (!row) throw new NotFoundError('account', loaded.accountId);
    const byEmail = compiled.definition.milestones.some((m) => m.assignee.kind !== 'account_owner');
    return {
      startAt: loaded.startedAt,
      anchorDate: loaded.anchorDate,
      account: accountFieldValues(toAccount(row)),
      userIdsByEmail: byEmail ? await this.#userIdsByEmail() : new Map(),
    };
  }

  async #userIdsByEmail(): Promise<Map<string, string>> {
    const users = await this.database.db.selectFrom('users').select(['id', 'email']).execute();
    return new Map(users.map((user) => [user.email.toLowerCase(), user.id]));
  }

  #conflict(current: LoadedInstance, why: string): ConflictError {
    return new ConflictError(
      current.id,
      `Instance ${current.id} changed before this change was saved (${why}); it is now at revision ${current.revision}. Reload it and try again.`,
      current.revision,
    );
  }
}
