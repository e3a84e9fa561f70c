import { createHash } from 'node:crypto';
import type { Tables } from '@milepost/db';
import { Playbook } from '@milepost/model';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { PlaybookVersionsTable } from '@milepost/db';

/** One immutable published version of a playbook. */
export interface PlaybookVersion {
  id: number;
  key: string;
  version: number;
  playbook: Playbook;
  contentHash: string;
  publishedBy: string | null;
  publishedAt: number;
}

/** A problem that keeps a playbook from being published, at a path such as `steps.1.title`. */
export interface PlaybookProblem {
  path: string;
  message: string;
}

/** Raised when a playbook is invalid, with every problem found in `problems`. */
export class PlaybookError extends Error {
  readonly problems: PlaybookProblem[];

  constructor(problems: PlaybookProblem[], source = 'The playbook') {
    const lines = problems.map(
      (problem) => `  - ${problem.path || '(playbook)'}: ${problem.message}`,
    );
    super(`${source} is invalid:\n${lines.join('\n')}`);
    this.name = 'PlaybookError';
    this.problems = problems;
  }
}

export type PlaybookValidation =
  { ok: true; playbook: Playbook; problems: [] } | { ok: false; problems: PlaybookProblem[] };

/** Checks a playbook against the schema and returns every problem at once. */
export function validatePlaybook(input: unknown): PlaybookValidation {
  const parsed = Playbook.safeParse(input);
  if (parsed.success) return { ok: true, playbook: parsed.data, problems: [] };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    })),
  };
}

/** Hashes a playbook's canonical JSON (keys sorted), so unchanged content makes no new version. */
export function playbookHash(playbook: Playbook): string {
  return createHash('sha256').update(canonicalJson(playbook)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, inner]) => inner !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    const fields = entries.map(([key, inner]) => `${JSON.stringify(key)}:${canonicalJson(inner)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(value);
}

type Executor = Kysely<Tables> | Transaction<Tables>;
type VersionRow = Selectable<PlaybookVersionsTable>;

export function toPlaybookVersion(row: VersionRow): PlaybookVersion {
  return {
    id: row.id,
    key: row.playbook_key,
    version: row.version,
    playbook: Playbook.parse(JSON.parse(row.document_json)),
    contentHash: row.content_hash,
    publishedBy: row.published_by,
    publishedAt: row.published_at,
  };
}

/** Reads the latest published version row of a playbook, or undefined when none exists. */
export function latestVersionRow(executor: Executor, key: string): Promise<VersionRow | undefined> {
  return executor
    .selectFrom('playbook_versions')
    .selectAll()
    .where('playbook_key', '=', key)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/**
 * Writes `playbook` as the next version of its key unless it equals the latest one. The caller's
 * transaction must already hold the playbook's row. Two publishers cannot take one number,
 * because (playbook_key, version) is unique.
 */
export async function writeVersion(
  trx: Transaction<Tables>,
  playbook: Playbook,
  userId: string | null,
  now: number,
): Promise<{ version: PlaybookVersion; created: boolean }> {
  const hash = playbookHash(playbook);
  const latest = await latestVersionRow(trx, playbook.key);
  if (latest && latest.content_hash === hash) {
    return { version: toPlaybookVersion(latest), created: false };
  }

  const row = await trx
    .insertInto('playbook_versions')
    .values({
      playbook_key: playbook.key,
      version: (latest?.version ?? 0) + 1,
      document_json: JSON.stringify(playbook),
      content_hash: hash,
      published_by: userId,
      published_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await trx
    .updateTable('playbooks')
    .set({ name: playbook.name, updated_at: now })
    .where('key', '=', playbook.key)
    .execute();
  return { version: toPlaybookVersion(row), created: true };
}
