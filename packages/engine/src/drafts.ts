import type { Database, Tables } from '@milepost/db';
import {
  DefinitionError,
  validateDefinition,
  WorkflowKey,
  type Problem,
  type WorkflowDefinitionInput,
} from '@milepost/model';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from './clock.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';
import { contentHash, type WorkflowVersion, type Workflows } from './workflows.ts';

/** A user named on a draft or a version, for display. */
export interface UserRef {
  id: string;
  name: string;
}

/**
 * The editable draft of a workflow. Its definition may still have problems, which are listed
 * here and must be fixed before it can be published.
 */
export interface Draft {
  key: string;
  definition: WorkflowDefinitionInput;
  /** 0 while the workflow has no saved draft and the definition comes from its latest version. */
  revision: number;
  updatedAt: number | null;
  updatedBy: UserRef | null;
  archivedAt: number | null;
  problems: Problem[];
  /** The latest published version, which a publish would follow. */
  latest: WorkflowVersion | null;
}

export interface SavedDraft {
  revision: number;
  updatedAt: number;
}

/** One row of the workflow list: its draft and its latest published version. */
export interface WorkflowListEntry {
  key: string;
  name: string;
  description: string;
  createdAt: number;
  archivedAt: number | null;
  draft: {
    revision: number;
    updatedAt: number;
    updatedBy: UserRef | null;
    milestoneCount: number;
    problemCount: number;
    /** True when the draft differs from the latest version, or nothing is published yet. */
    unpublishedChanges: boolean;
  } | null;
  latest: { version: number; publishedAt: number; publishedBy: UserRef | null } | null;
  versionCount: number;
}

export interface VersionListEntry {
  version: number;
  publishedAt: number;
  publishedBy: UserRef | null;
  milestoneCount: number;
}

/** Raised when a draft was saved by someone else after the caller loaded it. */
export class DraftConflictError extends Error {
  readonly key: string;
  /** The revision the caller's save was based on. */
  readonly baseRevision: number;
  /** The revision now stored. */
  readonly currentRevision: number;
  readonly updatedBy: UserRef | null;
  readonly updatedAt: number | null;

  constructor(key: string, baseRevision: number, stored: StoredRevision) {
    const who = stored.updatedBy ? stored.updatedBy.name : 'someone else';
    super(
      `The draft of "${key}" was saved by ${who} (revision ${stored.revision}) after you ` +
        `loaded revision ${baseRevision}. Reload the draft to see those changes before editing.`,
    );
    this.name = 'DraftConflictError';
    this.key = key;
    this.baseRevision = baseRevision;
    this.currentRevision = stored.revision;
    this.updatedBy = stored.updatedBy;
    this.updatedAt = stored.updatedAt;
  }
}

interface StoredRevision {
  revision: number;
  updatedBy: UserRef | null;
  updatedAt: number | null;
}

type Executor = Kysely<Tables> | Transaction<Tables>;

/** Builds a definition with no milestones, the start of a new workflow. */
function emptyDefinition(key: string, name: string): WorkflowDefinitionInput {
  return { key, name, description: '', milestones: [], dependencies: [] };
}

function userRef(id: string | null, name: string | null): UserRef | null {
  return id === null ? null : { id, name: name ?? id };
}

/**
 * Workflow drafts: creating, editing, renaming, duplicating and archiving workflows, and
 * publishing a draft as the next version. Every save names the revision it was based on, so two
 * people editing one draft cannot silently overwrite each other.
 */
export class Drafts {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly workflows: Workflows,
  ) {}

  /** Creates a workflow with a draft at revision 1. The key must not be in use. */
  async create(
    options: { key: string; name: string; definition?: WorkflowDefinitionInput },
    userId: string | null,
  ): Promise<Draft> {
    const key = WorkflowKey.parse(options.key);
    const definition = { ...(options.definition ?? emptyDefinition(key, options.name)), key };
    definition.name = options.name.trim() || definition.name;
    const now = this.clock.now();

    await this.database.db.transaction().execute(async (trx) => {
      await this.#assertKeyUnused(trx, key);
      await trx
        .insertInto('workflows')
        .values({
          key,
          name: definition.name,
          description: definition.description ?? '',
          created_at: now,
          updated_at: now,
          archived_at: null,
        })
        .execute();
      await trx
        .insertInto('workflow_drafts')
        .values({
          workflow_key: key,
          definition_json: JSON.stringify(definition),
          revision: 1,
          updated_by: userId,
          updated_at: now,
        })
        .execute();
    });
    return this.get(key);
  }

  /**
   * Returns the draft of a workflow. A workflow published without the designer has no draft row yet,
   * so its latest version is returned at revision 0.
   */
  async get(key: string): Promise<Draft> {
    const { db } = this.database;
    const workflow = await db
      .selectFrom('workflows')
      .leftJoin('workflow_drafts', 'workflow_drafts.workflow_key', 'workflows.key')
      .leftJoin('users', 'users.id', 'workflow_drafts.updated_by')
      .select([
        'workflows.name',
        'workflows.archived_at',
        'workflow_drafts.definition_json',
        'workflow_drafts.revision',
        'workflow_drafts.updated_at',
        'workflow_drafts.updated_by',
        'users.name as updated_by_name',
      ])
      .where('workflows.key', '=', key)
      .executeTakeFirst();
    if (!workflow) throw new NotFoundError('workflow', key);

    const latest = await this.#latestOrNull(key);
    const definition: WorkflowDefinitionInput = workflow.definition_json
      ? (JSON.parse(workflow.definition_json) as WorkflowDefinitionInput)
      : (latest?.definition ?? emptyDefinition(key, workflow.name));
    return {
      key,
      definition,
      revision: workflow.revision ?? 0,
      updatedAt: workflow.updated_at ?? latest?.publishedAt ?? null,
      updatedBy: userRef(workflow.updated_by ?? null, workflow.updated_by_name ?? null),
      archivedAt: workflow.archived_at,
      problems: validateDefinition(definition).problems,
      latest,
    };
  }

  /**
   * Saves a draft that was loaded at `baseRevision` and returns the new revision. Raises a
   * `DraftConflictError` when another save came first, and an `InvalidRequestError` for an
   * archived workflow. The definition may have problems, because a draft is work in progress.
   */
  async save(
    key: string,
    definition: WorkflowDefinitionInput,
    baseRevision: number,
    userId: string | null,
  ): Promise<SavedDraft> {
    const now = this.clock.now();
    const stored = { ...definition, key };

    return this.database.db.transaction().execute(async (trx) => {
      await this.#assertEditable(trx, key);
      await this.#writeDraft(trx, key, stored, baseRevision, userId, now);
      const name = stored.name.trim();
      await trx
        .updateTable('workflows')
        .set({
          ...(name ? { name } : {}),
          description: stored.description ?? '',
          updated_at: now,
        })
        .where('key', '=', key)
        .execute();
      return { revision: baseRevision + 1, updatedAt: now };
    });
  }

  /** Renames a workflow and its draft, making a new draft revision. */
  async rename(key: string, name: string, userId: string | null): Promise<SavedDraft> {
    const trimmed = name.trim();
    if (trimmed === '') {
      throw new InvalidRequestError(
        `The new name of workflow "${key}" is empty. Give a name with at least one character.`,
      );
    }

    const draft = await this.get(key);
    return this.save(key, { ...draft.definition, name: trimmed }, draft.revision, userId);
  }

  /** Copies a workflow's draft into a new workflow under `newKey`, with no published version. */
  async duplicate(
    key: string,
    newKey: string,
    userId: string | null,
    name?: string,
  ): Promise<Draft> {
    const source = await this.get(key);
    const copyName = name?.trim() || `Copy of ${source.definition.name}`;
    return this.create({ key: newKey, name: copyName, definition: source.definition }, userId);
  }

  /** Hides a workflow from the list and stops edits and publishing. Running instances go on. */
  async archive(key: string): Promise<void> {
    await this.#setArchivedAt(key, this.clock.now());
  }

  /** Brings an archived workflow back to the list. */
  async restore(key: string): Promise<void> {
    await this.#setArchivedAt(key, null);
  }

  /**
   * Publishes the draft as the next immutable version, unless it equals the latest one. Raises a
   * `DefinitionError` listing every problem when the draft is invalid, and a
   * `DraftConflictError` when `expectedRevision` is given and the draft has changed since.
   */
  async publish(
    key: string,
    userId: string | null,
    expectedRevision?: number,
  ): Promise<{ version: WorkflowVersion; created: boolean }> {
    const draft = await this.get(key);
    if (draft.archivedAt !== null) throw archivedError(key);
    if (expectedRevision !== undefined && expectedRevision !== draft.revision) {
      throw new DraftConflictError(key, expectedRevision, draft);
    }

    const result = validateDefinition({ ...draft.definition, key });
    if (!result.ok) throw new DefinitionError(result.problems, `The draft of "${key}"`);
    return this.workflows.publish(result.definition, userId);
  }

  /** Every workflow with its draft and latest version, archived ones only when asked. */
  async list(options: { includeArchived?: boolean } = {}): Promise<WorkflowListEntry[]> {
    const { db } = this.database;
    let query = db
      .selectFrom('workflows')
      .leftJoin('workflow_drafts', 'workflow_drafts.workflow_key', 'workflows.key')
      .leftJoin('users', 'users.id', 'workflow_drafts.updated_by')
      .select([
        'workflows.key',
        'workflows.name',
        'workflows.description',
        'workflows.created_at',
        'workflows.archived_at',
        'workflow_drafts.definition_json',
        'workflow_drafts.revision',
        'workflow_drafts.updated_at',
        'workflow_drafts.updated_by',
        'users.name as updated_by_name',
      ])
      .orderBy('workflows.name')
      .orderBy('workflows.key');
    if (!options.includeArchived) query = query.where('workflows.archived_at', 'is', null);
    const rows = await query.execute();
    const versions = await this.#versionsByKey(rows.map((row) => row.key));

    return rows.map((row) => {
      const published = versions.get(row.key) ?? [];
      const latest = published[0];
      return {
        key: row.key,
        name: row.name,
        description: row.description,
        createdAt: row.created_at,
        archivedAt: row.archived_at,
        draft: row.definition_json
          ? draftSummary(row.definition_json, latest?.content_hash, {
              revision: row.revision ?? 0,
              updatedAt: row.updated_at ?? row.created_at,
              updatedBy: userRef(row.updated_by ?? null, row.updated_by_name ?? null),
            })
          : null,
        latest: latest
          ? {
              version: latest.version,
              publishedAt: latest.published_at,
              publishedBy: userRef(latest.published_by, latest.published_by_name),
            }
          : null,
        versionCount: published.length,
      };
    });
  }

  /** Published versions of one workflow, newest first. */
  async versions(key: string): Promise<VersionListEntry[]> {
    const rows = (await this.#versionsByKey([key])).get(key) ?? [];
    return rows.map((row) => ({
      version: row.version,
      publishedAt: row.published_at,
      publishedBy: userRef(row.published_by, row.published_by_name),
      milestoneCount: milestoneCount(row.definition_json),
    }));
  }

  async #writeDraft(
    trx: Transaction<Tables>,
    key: string,
    definition: WorkflowDefinitionInput,
    baseRevision: number,
    userId: string | null,
    now: number,
  ): Promise<void> {
    const values = {
      definition_json: JSON.stringify(definition),
      revision: baseRevision + 1,
      updated_by: userId,
      updated_at: now,
    };
    const stored = await this.#storedRevision(trx, key);
    if (stored.revision !== baseRevision) throw new DraftConflictError(key, baseRevision, stored);

    // The revision guard in the WHERE clause keeps a concurrent writer from winning twice.
    if (baseRevision === 0) {
      await trx
        .insertInto('workflow_drafts')
        .values({ workflow_key: key, ...values })
        .execute();
      return;
    }
    const result = await trx
      .updateTable('workflow_drafts')
      .set(values)
      .where('workflow_key', '=', key)
      .where('revision', '=', baseRevision)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) {
      throw new DraftConflictError(key, baseRevision, await this.#storedRevision(trx, key));
    }
  }

  async #storedRevision(executor: Executor, key: string): Promise<StoredRevision> {
    const row = await executor
      .selectFrom('workflow_drafts')
      .leftJoin('users', 'users.id', 'workflow_drafts.updated_by')
      .select([
        'workflow_drafts.revision',
        'workflow_drafts.updated_at',
        'workflow_drafts.updated_by',
        'users.name',
      ])
      .where('workflow_drafts.workflow_key', '=', key)
      .executeTakeFirst();
    if (!row) return { revision: 0, updatedBy: null, updatedAt: null };
    return {
      revision: row.revision,
      updatedBy: userRef(row.updated_by, row.name),
      updatedAt: row.updated_at,
    };
  }

  async #assertKeyUnused(executor: Executor, key: string): Promise<void> {
    const existing = await executor
      .selectFrom('workflows')
      .select(['key', 'archived_at'])
      .where('key', '=', key)
      .executeTakeFirst();
    if (!existing) return;

    const archived = existing.archived_at === null ? '' : ' (archived)';
    throw new InvalidRequestError(
      `A workflow with key "${key}" already exists${archived}; choose another key.`,
    );
  }

  async #assertEditable(executor: Executor, key: string): Promise<void> {
    const workflow = await executor
      .selectFrom('workflows')
      .select('archived_at')
      .where('key', '=', key)
      .executeTakeFirst();
    if (!workflow) throw new NotFoundError('workflow', key);
    if (workflow.archived_at !== null) throw archivedError(key);
  }

  async #setArchivedAt(key: string, archivedAt: number | null): Promise<void> {
    const result = await this.database.db
      .updateTable('workflows')
      .set({ archived_at: archivedAt, updated_at: this.clock.now() })
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError('workflow', key);
  }

  async #latestOrNull(key: string): Promise<WorkflowVersion | null> {
    const exists = await this.database.db
      .selectFrom('workflow_versions')
      .select('id')
      .where('workflow_key', '=', key)
      .limit(1)
      .executeTakeFirst();
    return exists ? this.workflows.latest(key) : null;
  }

  /** Published versions with their publishers, grouped by workflow key, newest first. */
  async #versionsByKey(keys: readonly string[]) {
    const grouped = new Map<string, VersionRow[]>();
    if (keys.length === 0) return grouped;

    const rows = await this.database.db
      .selectFrom('workflow_versions')
      .leftJoin('users', 'users.id', 'workflow_versions.published_by')
      .select([
        'workflow_versions.workflow_key',
        'workflow_versions.version',
        'workflow_versions.published_at',
        'workflow_versions.published_by',
        'workflow_versions.content_hash',
        'workflow_versions.definition_json',
        'users.name as published_by_name',
      ])
      .where('workflow_versions.workflow_key', 'in', keys)
      .orderBy('workflow_versions.workflow_key')
      .orderBy('workflow_versions.version', 'desc')
      .execute();
    for (const row of rows) {
      const list = grouped.get(row.workflow_key) ?? [];
      list.push(row);
      grouped.set(row.workflow_key, list);
    }
    return grouped;
  }
}

interface VersionRow {
  version: number;
  published_at: number;
  published_by: string | null;
  published_by_name: string | null;
  content_hash: string;
  definition_json: string;
}

function archivedError(key: string): InvalidRequestError {
  return new InvalidRequestError(
    `Workflow "${key}" is archived, so it cannot be edited or published; restore it first.`,
  );
}

function milestoneCount(definitionJson: string): number {
  const parsed = JSON.parse(definitionJson) as { milestones?: unknown[] };
  return Array.isArray(parsed.milestones) ? parsed.milestones.length : 0;
}

function draftSummary(
  definitionJson: string,
  latestHash: string | undefined,
  stored: { revision: number; updatedAt: number; updatedBy: UserRef | null },
): NonNullable<WorkflowListEntry['draft']> {
  const result = validateDefinition(JSON.parse(definitionJson));
  const hash = result.ok ? contentHash(result.definition) : undefined;
  return {
    ...stored,
    milestoneCount: milestoneCount(definitionJson),
    problemCount: result.problems.length,
    unpublishedChanges: latestHash === undefined || hash !== latestHash,
  };
}
