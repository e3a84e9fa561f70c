import type { Database, Tables } from '@milepost/db';
import { WorkflowKey, type PlaybookInput } from '@milepost/model';
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.ts';
import { DraftConflictError, type SavedDraft, type UserRef } from '../drafts.ts';
import { InvalidRequestError, NotFoundError } from '../errors.ts';
import {
  latestVersionRow,
  PlaybookError,
  playbookHash,
  toPlaybookVersion,
  validatePlaybook,
  writeVersion,
  type PlaybookProblem,
  type PlaybookVersion,
} from './versions.ts';

/** The editable draft of a playbook, which may still have problems that block publishing. */
export interface PlaybookDraft {
  key: string;
  playbook: PlaybookInput;
  /** 0 while the playbook has no saved draft and its content comes from the latest version. */
  revision: number;
  updatedAt: number | null;
  updatedBy: UserRef | null;
  problems: PlaybookProblem[];
  /** True when the draft differs from the latest version, or nothing is published yet. */
  unpublishedChanges: boolean;
  latest: PlaybookVersion | null;
}

/** One row of the playbook list. */
export interface PlaybookListEntry {
  key: string;
  name: string;
  createdAt: number;
  draft: {
    revision: number;
    updatedAt: number;
    updatedBy: UserRef | null;
    stepCount: number;
    problemCount: number;
    unpublishedChanges: boolean;
  } | null;
  latest: { id: number; version: number; publishedAt: number; publishedBy: UserRef | null } | null;
  versionCount: number;
  /** Alert types whose definition names this playbook. */
  alertTypes: { key: string; name: string }[];
}

export interface PlaybookVersionEntry {
  id: number;
  version: number;
  publishedAt: number;
  publishedBy: UserRef | null;
  stepCount: number;
}

type Executor = Kysely<Tables> | Transaction<Tables>;

function userRef(id: string | null, name: string | null): UserRef | null {
  return id === null ? null : { id, name: name ?? id };
}

function emptyPlaybook(key: string, name: string): PlaybookInput {
  return { key, name, steps: [], offers: [], links: [] };
}

/** Compares a draft with a published hash. An invalid draft always counts as changed. */
function differsFrom(playbook: PlaybookInput, latestHash: string | undefined): boolean {
  const result = validatePlaybook(playbook);
  return latestHash === undefined || !result.ok || playbookHash(result.playbook) !== latestHash;
}

/**
 * Playbooks: drafts saved with a revision guard, like workflow drafts, and immutable numbered
 * versions published from them. Publishing unchanged content makes no new version.
 */
export class Playbooks {
  readonly #versions = new Map<number, PlaybookVersion>();

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Creates a playbook with an empty draft at revision 1. The key must not be in use. */
  async create(
    options: { key: string; name: string; playbook?: PlaybookInput },
    userId: string | null,
  ): Promise<PlaybookDraft> {
    const key = parseKey(options.key);
    const name = options.name.trim() || options.playbook?.name || key;
    const playbook = { ...(options.playbook ?? emptyPlaybook(key, name)), key, name };
    const now = this.clock.now();

    await this.database.db.transaction().execute(async (trx) => {
      const existing = await trx
        .selectFrom('playbooks')
        .select('key')
        .where('key', '=', key)
        .executeTakeFirst();
      if (existing) {
        throw new InvalidRequestError(
          `A playbook with key "${key}" already exists; choose another key.`,
        );
      }
      await trx
        .insertInto('playbooks')
        .values({ key, name, created_at: now, updated_at: now, archived_at: null })
        .execute();
      await trx
        .insertInto('playbook_drafts')
        .values({
          playbook_key: key,
          document_json: JSON.stringify(playbook),
          revision: 1,
          updated_by: userId,
          updated_at: now,
        })
        .execute();
    });
    return this.getDraft(key);
  }

  /** Returns the draft of a playbook, or its latest version at revision 0 when it has no draft. */
  async getDraft(key: string): Promise<PlaybookDraft> {
    const row = await this.database.db
      .selectFrom('playbooks')
      .leftJoin('playbook_drafts', 'playbook_drafts.playbook_key', 'playbooks.key')
      .leftJoin('users', 'users.id', 'playbook_drafts.updated_by')
      .select([
        'playbooks.name',
        'playbook_drafts.document_json',
        'playbook_drafts.revision',
        'playbook_drafts.updated_at',
        'playbook_drafts.updated_by',
        'users.name as updated_by_name',
      ])
      .where('playbooks.key', '=', key)
      .executeTakeFirst();
    if (!row) throw notFound(key);

    const latestRow = await latestVersionRow(this.database.db, key);
    const latest = latestRow ? this.#remember(toPlaybookVersion(latestRow)) : null;
    const playbook: PlaybookInput = row.document_json
      ? (JSON.parse(row.document_json) as PlaybookInput)
      : (latest?.playbook ?? emptyPlaybook(key, row.name));
    const validation = validatePlaybook(playbook);
    return {
      key,
      playbook,
      revision: row.revision ?? 0,
      updatedAt: row.updated_at ?? latest?.publishedAt ?? null,
      updatedBy: userRef(row.updated_by ?? null, row.updated_by_name ?? null),
      problems: validation.problems,
      unpublishedChanges: differsFrom(playbook, latest?.contentHash),
      latest,
    };
  }

  /**
   * Saves a draft loaded at `baseRevision` and returns the new revision. Raises a
   * `DraftConflictError` when another save came first. The draft may have problems, because it is
   * work in progress, and `publish` checks it.
   */
  async saveDraft(
    key: string,
    playbook: PlaybookInput,
    baseRevision: number,
    userId: string | null,
  ): Promise<SavedDraft> {
    const now = this.clock.now();
    const stored = { ...playbook, key };

    return this.database.db.transaction().execute(async (trx) => {
      await this.#assertExists(trx, key);
      await writeDraft(trx, key, stored, baseRevision, userId, now);
      const name = (stored.name ?? '').trim();
      await trx
        .updateTable('playbooks')
        .set({ ...(name ? { name } : {}), updated_at: now })
        .where('key', '=', key)
        .execute();
      return { revision: baseRevision + 1, updatedAt: now };
    });
  }

  /**
   * Publishes the draft as the next immutable version, unless it equals the latest one. Raises a
   * `PlaybookError` listing every problem when the draft is invalid, and a `DraftConflictError`
   * when `expectedRevision` is given and the draft has changed since.
   */
  async publish(
    key: string,
    userId: string | null,
    expectedRevision?: number,
  ): Promise<{ version: PlaybookVersion; created: boolean }> {
    const draft = await this.getDraft(key);
    if (expectedRevision !== undefined && expectedRevision !== draft.revision) {
      throw new DraftConflictError(key, expectedRevision, draft);
    }
    const result = validatePlaybook({ ...draft.playbook, key });
    if (!result.ok) throw new PlaybookError(result.problems, `The draft of playbook "${key}"`);

    const now = this.clock.now();
    const published = await this.database.db
      .transaction()
      .execute((trx) => writeVersion(trx, result.playbook, userId, now));
    this.#remember(published.version);
    return published;
  }

  /**
   * Saves a playbook from a file as its draft and publishes it, in one transaction, creating the
   * playbook when its key is new. Raises a `PlaybookError` listing every problem, writing nothing.
   */
  async apply(
    input: unknown,
    userId: string | null,
    source?: string,
  ): Promise<{ version: PlaybookVersion; created: boolean }> {
    const result = validatePlaybook(input);
    if (!result.ok) throw new PlaybookError(result.problems, source);
    const { playbook } = result;
    const now = this.clock.now();

    const published = await this.database.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('playbooks')
        .values({
          key: playbook.key,
          name: playbook.name,
          created_at: now,
          updated_at: now,
          archived_at: null,
        })
        .onConflict((conflict) => conflict.column('key').doNothing())
        .execute();
      const stored = await storedDraft(trx, playbook.key);
      const unchanged =
        stored.document !== null && !differsFrom(stored.document, playbookHash(playbook));
      if (!unchanged) {
        await writeDraft(trx, playbook.key, playbook, stored.revision, userId, now);
      }
      return writeVersion(trx, playbook, userId, now);
    });
    this.#remember(published.version);
    return published;
  }

  /** Lists every playbook with its draft, latest version and the alert types that use it. */
  async list(): Promise<PlaybookListEntry[]> {
    const { db } = this.database;
    const rows = await db
      .selectFrom('playbooks')
      .leftJoin('playbook_drafts', 'playbook_drafts.playbook_key', 'playbooks.key')
      .leftJoin('users', 'users.id', 'playbook_drafts.updated_by')
      .select([
        'playbooks.key',
        'playbooks.name',
        'playbooks.created_at',
        'playbook_drafts.document_json',
        'playbook_drafts.revision',
        'playbook_drafts.updated_at',
        'playbook_drafts.updated_by',
        'users.name as updated_by_name',
      ])
      .where('playbooks.archived_at', 'is', null)
      .orderBy('playbooks.name')
      .orderBy('playbooks.key')
      .execute();
    const versions = await this.#versionsByKey(rows.map((row) => row.key));
    const usage = await this.#alertTypesByPlaybook();

    return rows.map((row) => {
      const published = versions.get(row.key) ?? [];
      const latest = published[0];
      const document = row.document_json ? (JSON.parse(row.document_json) as PlaybookInput) : null;
      return {
        key: row.key,
        name: row.name,
        createdAt: row.created_at,
        draft: document
          ? {
              revision: row.revision ?? 0,
              updatedAt: row.updated_at ?? row.created_at,
              updatedBy: userRef(row.updated_by ?? null, row.updated_by_name ?? null),
              stepCount: document.steps?.length ?? 0,
              problemCount: validatePlaybook(document).problems.length,
              unpublishedChanges: differsFrom(document, latest?.contentHash),
            }
          : null,
        latest: latest
          ? {
              id: latest.id,
              version: latest.version,
              publishedAt: latest.publishedAt,
              publishedBy: latest.publishedBy,
            }
          : null,
        versionCount: published.length,
        alertTypes: usage.get(row.key) ?? [],
      };
    });
  }

  /** Returns the latest published version of a playbook. */
  async latest(key: string): Promise<PlaybookVersion> {
    const row = await latestVersionRow(this.database.db, key);
    if (!row) {
      throw new NotFoundError(
        'published playbook',
        key,
        'Publish it first from the Playbooks page or with milepost apply FILE.',
      );
    }
    return this.#remember(toPlaybookVersion(row));
  }

  /** Returns one version by its row id. Versions never change, so they are cached. */
  async version(id: number): Promise<PlaybookVersion> {
    const cached = this.#versions.get(id);
    if (cached) return cached;
    const row = await this.database.db
      .selectFrom('playbook_versions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('playbook version id', String(id));
    return this.#remember(toPlaybookVersion(row));
  }

  /** Lists the published versions of one playbook, newest first. */
  async versions(key: string): Promise<PlaybookVersionEntry[]> {
    const rows = (await this.#versionsByKey([key])).get(key) ?? [];
    return rows.map((version) => ({
      id: version.id,
      version: version.version,
      publishedAt: version.publishedAt,
      publishedBy: version.publishedBy,
      stepCount: version.stepCount,
    }));
  }

  #remember(version: PlaybookVersion): PlaybookVersion {
    this.#versions.set(version.id, version);
    return version;
  }

  async #assertExists(executor: Executor, key: string): Promise<void> {
    const row = await executor
      .selectFrom('playbooks')
      .select('key')
      .where('key', '=', key)
      .executeTakeFirst();
    if (!row) throw notFound(key);
  }

  /** Version summaries with their publishers, grouped by playbook key, newest first. */
  async #versionsByKey(keys: readonly string[]) {
    const grouped = new Map<string, VersionSummary[]>();
    if (keys.length === 0) return grouped;

    const rows = await this.database.db
      .selectFrom('playbook_versions')
      .leftJoin('users', 'users.id', 'playbook_versions.published_by')
      .select([
        'playbook_versions.id',
        'playbook_versions.playbook_key',
        'playbook_versions.version',
        'playbook_versions.document_json',
        'playbook_versions.content_hash',
        'playbook_versions.published_by',
        'playbook_versions.published_at',
        'users.name as published_by_name',
      ])
      .where('playbook_versions.playbook_key', 'in', keys)
      .orderBy('playbook_versions.playbook_key')
      .orderBy('playbook_versions.version', 'desc')
      .execute();
    for (const row of rows) {
      const list = grouped.get(row.playbook_key) ?? [];
      const steps = (JSON.parse(row.document_json) as { steps?: unknown[] }).steps ?? [];
      list.push({
        id: row.id,
        version: row.version,
        contentHash: row.content_hash,
        publishedAt: row.published_at,
        publishedBy: userRef(row.published_by, row.published_by_name),
        stepCount: steps.length,
      });
      grouped.set(row.playbook_key, list);
    }
    return grouped;
  }

  /** Alert types grouped by the playbook key their definition names. */
  async #alertTypesByPlaybook(): Promise<Map<string, { key: string; name: string }[]>> {
    const rows = await this.database.db
      .selectFrom('alert_types')
      .select(['key', 'name', 'definition_json'])
      .orderBy('name')
      .execute();
    const grouped = new Map<string, { key: string; name: string }[]>();
    for (const row of rows) {
      const playbook = (JSON.parse(row.definition_json) as { playbook?: unknown }).playbook;
      if (typeof playbook !== 'string') continue;
      const list = grouped.get(playbook) ?? [];
      list.push({ key: row.key, name: row.name });
      grouped.set(playbook, list);
    }
    return grouped;
  }
}

interface VersionSummary {
  id: number;
  version: number;
  contentHash: string;
  publishedAt: number;
  publishedBy: UserRef | null;
  stepCount: number;
}

function parseKey(key: string): string {
  const parsed = WorkflowKey.safeParse(key);
  if (parsed.success) return parsed.data;
  const reason = parsed.error.issues[0]?.message ?? 'it is not a valid key';
  throw new InvalidRequestError(`Playbook key "${key}" is invalid: ${reason}`);
}

function notFound(key: string): NotFoundError {
  return new NotFoundError('playbook', key, 'Create it first on the Playbooks page.');
}

async function storedDraft(
  executor: Executor,
  key: string,
): Promise<{
  revision: number;
  updatedBy: UserRef | null;
  updatedAt: number | null;
  document: PlaybookInput | null;
}> {
  const row = await executor
    .selectFrom('playbook_drafts')
    .leftJoin('users', 'users.id', 'playbook_drafts.updated_by')
    .select([
      'playbook_drafts.revision',
      'playbook_drafts.updated_at',
      'playbook_drafts.updated_by',
      'playbook_drafts.document_json',
      'users.name',
    ])
    .where('playbook_drafts.playbook_key', '=', key)
    .executeTakeFirst();
  if (!row) return { revision: 0, updatedBy: null, updatedAt: null, document: null };
  return {
    revision: row.revision,
    updatedBy: userRef(row.updated_by, row.name),
    updatedAt: row.updated_at,
    document: JSON.parse(row.document_json) as PlaybookInput,
  };
}

/** Writes the draft at `baseRevision + 1`, or raises `DraftConflictError` when it has moved on. */
async function writeDraft(
  trx: Transaction<Tables>,
  key: string,
  playbook: PlaybookInput,
  baseRevision: number,
  userId: string | null,
  now: number,
): Promise<void> {
  const values = {
    document_json: JSON.stringify(playbook),
    revision: baseRevision + 1,
    updated_by: userId,
    updated_at: now,
  };
  const stored = await storedDraft(trx, key);
  if (stored.revision !== baseRevision) throw new DraftConflictError(key, baseRevision, stored);

  // The revision guard in the WHERE clause keeps a concurrent writer from winning twice.
  if (baseRevision === 0) {
    await trx
      .insertInto('playbook_drafts')
      .values({ playbook_key: key, ...values })
      .execute();
    return;
  }
  const result = await trx
    .updateTable('playbook_drafts')
    .set(values)
    .where('playbook_key', '=', key)
    .where('revision', '=', baseRevision)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) {
    throw new DraftConflictError(key, baseRevision, await storedDraft(trx, key));
  }
}
