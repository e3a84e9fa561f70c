import { createHash } from 'node:crypto';
import { compileWorkflow, type CompiledWorkflow } from '@milepost/compiler';
import type { Database } from '@milepost/db';
import { WorkflowDefinition } from '@milepost/model';
import type { Clock } from './clock.ts';
import { NotFoundError } from './errors.ts';

export interface WorkflowVersion {
  id: number;
  key: string;
  version: number;
  definition: WorkflowDefinition;
  contentHash: string;
  publishedBy: string | null;
  publishedAt: number;
}

export interface PublishResult {
  version: WorkflowVersion;
  /** False when the definition equals the latest version, so no version was made. */
  created: boolean;
}

export interface WorkflowSummary {
  key: string;
  name: string;
  latestVersion: number | null;
  publishedAt: number | null;
  updatedAt: number;
}

/** Hashes a definition's canonical JSON, so an unchanged file makes no new version. */
export function contentHash(definition: WorkflowDefinition): string {
  return createHash('sha256').update(canonicalJson(definition)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Published workflow versions, and their compiled machines cached by version id. */
export class Workflows {
  readonly #compiled = new Map<number, CompiledWorkflow>();
  readonly #versions = new Map<number, WorkflowVersion>();

  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /**
   * Publishes a valid definition as the next immutable version of its workflow, unless it equals
   * the latest version. Concurrent publishers of one workflow cannot both take one number,
   * because (workflow_key, version) is unique.
   */
  async publish(definition: WorkflowDefinition, userId: string | null): Promise<PublishResult> {
    const hash = contentHash(definition);
    const now = this.clock.now();

    return this.database.db.transaction().execute(async (trx) => {
      const latest = await trx
        .selectFrom('workflow_versions')
        .selectAll()
        .where('workflow_key', '=', definition.key)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (latest && latest.content_hash === hash) {
        return { version: this.#toVersion(latest), created: false };
      }

      const workflow = {
        name: definition.name,
        description: definition.description,
        updated_at: now,
      };
      await trx
        .insertInto('workflows')
        .values({ key: definition.key, ...workflow, created_at: now, archived_at: null })
        .onConflict((conflict) => conflict.column('key').doUpdateSet(workflow))
        .execute();

      const row = await trx
        .insertInto('workflow_versions')
        .values({
          workflow_key: definition.key,
          version: (latest?.version ?? 0) + 1,
          definition_json: JSON.stringify(definition),
          content_hash: hash,
          published_by: userId,
          published_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return { version: this.#toVersion(row), created: true };
    });
  }

  /** The latest published version of a workflow. */
  async latest(key: string): Promise<WorkflowVersion> {
    const row = await this.database.db
      .selectFrom('workflow_versions')
      .selectAll()
      .where('workflow_key', '=', key)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!row) {
      throw new NotFoundError(
        'published workflow',
        key,
        'Publish it first: milepost workflow publish FILE.',
      );
    }
    return this.#toVersion(row);
  }

  /** One version by workflow key and number. */
  async version(key: string, version: number): Promise<WorkflowVersion> {
    const row = await this.database.db
      .selectFrom('workflow_versions')
      .selectAll()
      .where('workflow_key', '=', key)
      .where('version', '=', version)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('version', `${key} v${version}`);
    return this.#toVersion(row);
  }

  /** One version by its row id; versions never change, so they are cached. */
  async byId(id: number): Promise<WorkflowVersion> {
    const cached = this.#versions.get(id);
    if (cached) return cached;
    const row = await this.database.db
      .selectFrom('workflow_versions')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('workflow version id', String(id));
    return this.#toVersion(row);
  }

  /** The compiled machine of a version. */
  async compiled(versionId: number): Promise<CompiledWorkflow> {
    const cached = this.#compiled.get(versionId);
    if (cached) return cached;
    const version = await this.byId(versionId);
    const compiled = compileWorkflow(version.definition);
    this.#compiled.set(versionId, compiled);
    return compiled;
  }

  /** Every published version of a workflow, oldest first. */
  async versions(key: string): Promise<WorkflowVersion[]> {
    const rows = await this.database.db
      .selectFrom('workflow_versions')
      .selectAll()
      .where('workflow_key', '=', key)
      .orderBy('version')
      .execute();
    return rows.map((row) => this.#toVersion(row));
  }

  async list(): Promise<WorkflowSummary[]> {
    const rows = await this.database.db
      .selectFrom('workflows')
      .leftJoin('workflow_versions', 'workflow_versions.workflow_key', 'workflows.key')
      .select((eb) => [
        'workflows.key',
        'workflows.name',
        'workflows.updated_at',
        eb.fn.max('workflow_versions.version').as('latest_version'),
        eb.fn.max('workflow_versions.published_at').as('published_at'),
      ])
      .where('workflows.archived_at', 'is', null)
      .groupBy(['workflows.key', 'workflows.name', 'workflows.updated_at'])
      .orderBy('workflows.key')
      .execute();
    return rows.map((row) => ({
      key: row.key,
      name: row.name,
      latestVersion: row.latest_version === null ? null : Number(row.latest_version),
      publishedAt: row.published_at === null ? null : Number(row.published_at),
      updatedAt: row.updated_at,
    }));
  }

  #toVersion(row: {
    id: number;
    workflow_key: string;
    version: number;
    definition_json: string;
    content_hash: string;
    published_by: string | null;
    published_at: number;
  }): WorkflowVersion {
    const version: WorkflowVersion = {
      id: row.id,
      key: row.workflow_key,
      version: row.version,
      definition: WorkflowDefinition.parse(JSON.parse(row.definition_json)),
      contentHash: row.content_hash,
      publishedBy: row.published_by,
      publishedAt: row.published_at,
    };
    this.#versions.set(row.id, version);
    return version;
  }
}
