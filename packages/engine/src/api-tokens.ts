import { createHash, randomBytes } from 'node:crypto';
import type { ApiTokensTable, Database } from '@milepost/db';
import type { Clock } from './clock.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';

/** Every secret starts with this, so a leaked one is easy to recognise in logs and scanners. */
export const API_TOKEN_PREFIX = 'mp_';

/** A token of the ingestion endpoint, without its secret. */
export interface ApiToken {
  /** SHA-256 digest of the secret, in hex. */
  id: string;
  name: string;
  createdBy: string | null;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** Returns the stored id of a secret: its SHA-256 digest in hex. */
export function apiTokenId(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

function toApiToken(row: ApiTokensTable): ApiToken {
  return {
    id: row.id,
    name: row.name,
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/**
 * Bearer tokens for other systems that push metrics and accounts. Only the SHA-256 digest of a
 * secret is stored, so a secret is shown once, when it is created, and cannot be read back.
 */
export class ApiTokens {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Creates a token and returns it with its secret, which is not stored and not shown again. */
  async create(name: string, userId: string | null): Promise<{ token: ApiToken; secret: string }> {
    const trimmed = name.trim();
    if (trimmed === '') {
      throw new InvalidRequestError('A token needs a name, such as the system that will use it.');
    }

    const secret = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const row: ApiTokensTable = {
      id: apiTokenId(secret),
      name: trimmed,
      created_by: userId,
      created_at: this.clock.now(),
      last_used_at: null,
      revoked_at: null,
    };
    await this.database.db.insertInto('api_tokens').values(row).execute();
    return { token: toApiToken(row), secret };
  }

  /** Lists every token, revoked ones included, newest first. */
  async list(): Promise<ApiToken[]> {
    const rows = await this.database.db
      .selectFrom('api_tokens')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('name')
      .execute();
    return rows.map(toApiToken);
  }

  /**
   * Revokes a token, so requests that present it are rejected from now on. Revoking a revoked
   * token keeps its first revocation time. Throws `NotFoundError` for an unknown id.
   */
  async revoke(id: string): Promise<ApiToken> {
    await this.database.db
      .updateTable('api_tokens')
      .set({ revoked_at: this.clock.now() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .execute();
    const row = await this.database.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('API token', id, 'List the tokens to see their ids.');
    return toApiToken(row);
  }

  /**
   * Returns the token of a secret and records its use, or `null` when the secret is unknown or
   * its token is revoked.
   */
  async verify(secret: string): Promise<ApiToken | null> {
    if (!secret.startsWith(API_TOKEN_PREFIX)) return null;
    const now = this.clock.now();
    const row = await this.database.db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', apiTokenId(secret))
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    return row ? toApiToken(row) : null;
  }
}
