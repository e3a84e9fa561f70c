import type { Database } from '@milepost/db';
import { accountFieldValues, type Account, type AccountFieldValues } from '@milepost/model';
import type { Clock } from './clock.ts';
import { NotFoundError } from './errors.ts';
import { parseObject } from './json.ts';

type AccountRow = {
  id: string;
  name: string;
  owner_id: string | null;
  segment: string | null;
  stage: string | null;
  dates_json: string;
  fields_json: string;
};

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    name: row.name,
    ownerId: row.owner_id,
    segment: row.segment,
    stage: row.stage,
    dates: parseObject(row.dates_json),
    fields: parseObject(row.fields_json),
  } as Account;
}

export interface UpsertCounts {
  created: number;
  updated: number;
}

/** Customer accounts. */
export class Accounts {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Inserts new accounts and updates existing ones by id, all in one transaction. */
  async upsert(accounts: readonly Account[]): Promise<UpsertCounts> {
    const now = this.clock.now();
    return this.database.db.transaction().execute(async (trx) => {
      const counts = { created: 0, updated: 0 };
      const ids = accounts.map((account) => account.id as string);
      const existing = new Set<string>();
      for (let offset = 0; offset < ids.length; offset += 500) {
        const rows = await trx
          .selectFrom('accounts')
          .select('id')
          .where('id', 'in', ids.slice(offset, offset + 500))
          .execute();
        rows.forEach((row) => existing.add(row.id));
      }

      for (const account of accounts) {
        const values = {
          name: account.name,
          owner_id: account.ownerId,
          segment: account.segment,
          stage: account.stage,
          dates_json: JSON.stringify(account.dates),
          fields_json: JSON.stringify(account.fields),
          updated_at: now,
        };
        if (existing.has(account.id)) {
          await trx.updateTable('accounts').set(values).where('id', '=', account.id).execute();
          counts.updated++;
        } else {
          await trx
            .insertInto('accounts')
            .values({ id: account.id, ...values, created_at: now })
            .execute();
          counts.created++;
        }
      }
      return counts;
    });
  }

  async get(id: string): Promise<Account> {
    const row = await this.database.db
      .selectFrom('accounts')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError('account', id);
    return toAccount(row);
  }

  /** The account's fields as conditions and due rules read them. */
  async fieldValues(id: string): Promise<AccountFieldValues> {
    return accountFieldValues(await this.get(id));
  }

  /** Ids of every account, or of those owned by one user. */
  async ids(ownerId?: string): Promise<string[]> {
    let query = this.database.db.selectFrom('accounts').select('id').orderBy('id');
    if (ownerId) query = query.where('owner_id', '=', ownerId);
    return (await query.execute()).map((row) => row.id);
  }

  async list(options: { ownerId?: string; limit?: number; offset?: number } = {}) {
    let query = this.database.db
      .selectFrom('accounts')
      .selectAll()
      .orderBy('name')
      .limit(options.limit ?? 50)
      .offset(options.offset ?? 0);
    if (options.ownerId) query = query.where('owner_id', '=', options.ownerId);
    return (await query.execute()).map(toAccount);
  }
}
