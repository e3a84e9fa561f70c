import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Role, User } from '@milepost/model';
import type { Database } from '@milepost/db';
import type { Clock } from './clock.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

/** How long a login session lasts without a new login. */
export const SESSION_TTL_MS = 14 * 86_400_000;
const MIN_PASSWORD_LENGTH = 8;

export interface NewUser {
  email: string;
  name: string;
  role: Role;
  password?: string;
}

type UserRow = { id: string; email: string; name: string; role: Role };

function toUser(row: UserRow): User {
  return { id: row.id, email: row.email, name: row.name, role: row.role } as User;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Users, passwords and login sessions. */
export class Users {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Adds a user, or updates the name and role (and password, when given) of an existing email. */
  async upsert(user: NewUser): Promise<User> {
    if (user.password !== undefined && user.password.length < MIN_PASSWORD_LENGTH) {
      throw new InvalidRequestError(
        `The password for ${user.email} is ${user.password.length} characters long; use at least ${MIN_PASSWORD_LENGTH}.`,
      );
    }
    const email = normalizeEmail(user.email);
    const passwordHash =
      user.password === undefined ? undefined : await hashPassword(user.password);
    const existing = await this.findByEmail(email);
    const { db } = this.database;

    if (existing) {
      await db
        .updateTable('users')
        .set({
          name: user.name,
          role: user.role,
          ...(passwordHash ? { password_hash: passwordHash } : {}),
        })
        .where('id', '=', existing.id)
        .execute();
      return { ...existing, name: user.name, role: user.role };
    }

    const row = { id: randomUUID(), email, name: user.name, role: user.role };
    await db
      .insertInto('users')
      .values({ ...row, password_hash: passwordHash ?? null, created_at: this.clock.now() })
      .execute();
    return toUser(row);
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const row = await this.database.db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'role'])
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
    return row ? toUser(row) : undefined;
  }

  async get(id: string): Promise<User> {
    const row = await this.database.db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'role'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('user', id);
    return toUser(row);
  }

  async list(): Promise<User[]> {
    const rows = await this.database.db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'role'])
      .orderBy('email')
      .execute();
    return rows.map(toUser);
  }

  /** Returns the user whose email and password match, or `undefined`. */
  async verifyLogin(email: string, password: string): Promise<User | undefined> {
    const row = await this.database.db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'role', 'password_hash'])
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
    if (!row?.password_hash) return undefined;
    return (await verifyPassword(password, row.password_hash)) ? toUser(row) : undefined;
  }

  /** Opens a session and returns its token; only the token's SHA-256 digest is stored. */
  async createSession(userId: string): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = now + SESSION_TTL_MS;
    await this.database.db
      .insertInto('sessions')
      .values({ id: digest(token), user_id: userId, created_at: now, expires_at: expiresAt })
      .execute();
    return { token, expiresAt };
  }

  /** Returns the user of a live session token, or `undefined` for an unknown or expired one. */
  async sessionUser(token: string): Promise<User | undefined> {
    const row = await this.database.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .select(['users.id', 'users.email', 'users.name', 'users.role', 'sessions.expires_at'])
      .where('sessions.id', '=', digest(token))
      .executeTakeFirst();
    if (!row || row.expires_at <= this.clock.now()) return undefined;
    return toUser(row);
  }

  async endSession(token: string): Promise<void> {
    await this.database.db.deleteFrom('sessions').where('id', '=', digest(token)).execute();
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
