import type { AccountEventsTable, Database } from '@milepost/db';
import type { Insertable } from 'kysely';
import { followAccount } from './reports/duration-rows.ts';
import { moveDueDates } from './due-moves.ts';
import type { Workflows } from './workflows.ts';
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
  /** Open milestones whose due date moved because an account date changed. */
  dueDatesMoved: number;
}

/** Customer accounts. */
export class Accounts {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
    private readonly workflows: Workflows,
  ) {}

  /**
   * Inserts new accounts and updates existing ones by id, all in one transaction. Creations and
   * stage changes are recorded as account events for the rules' event triggers, and open due
   * dates that hang on a changed account date move with it.
   */
  async upsert(accounts: readonly Account[]): Promise<UpsertCounts> {
    const now = this.clock.now();
    return this.database.db.transaction().execute(async (trx) => {
      const counts = { created: 0, updated: 0, dueDatesMoved: 0 };
      const ids = accounts.map((account) => account.id as string);
      const existing = new Map<
        string,
        {
          ownerId: string | null;
          segment: string | null;
          stage: string | null;
          dates: Record<string, string>;
        }
      >();
      for (let offset = 0; offset < ids.length; offset += 500) {
        const rows = await trx
          .selectFrom('accounts')
          .select(['id', 'owner_id', 'segment', 'stage', 'dates_json'])
          .where('id', 'in', ids.slice(offset, offset + 500))
          .execute();
        for (const row of rows) {
          existing.set(row.id, {
            ownerId: row.owner_id,
            segment: row.segment,
            stage: row.stage,
            dates: parseObject(row.dates_json),
          });
        }
      }

      const events: Insertable<AccountEventsTable>[] = [];
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
        const before = existing.get(account.id);
        if (!before) {
          await trx
            .insertInto('accounts')
            .values({ id: account.id, ...values, created_at: now })
            .execute();
          events.push({ account_id: account.id, kind: 'created', value: null, at: now });
          if (account.stage)
            events.push({ account_id: account.id, kind: 'stage', value: account.stage, at: now });
          counts.created++;
          continue;
        }

        await trx.updateTable('accounts').set(values).where('id', '=', account.id).execute();
        counts.updated++;
        if (account.ownerId !== before.ownerId || account.segment !== before.segment) {
          await followAccount(trx, account.id, account.ownerId, account.segment);
        }
        if (account.stage && account.stage !== before.stage) {
          events.push({ account_id: account.id, kind: 'stage', value: account.stage, at: now });
        }
        const fields = new Set([...Object.keys(before.dates), ...Object.keys(account.dates)]);
        const changed = new Set([...fields].filter((f) => before.dates[f] !== account.dates[f]));
        if (changed.size > 0) {
          counts.dueDatesMoved += await moveDueDates(
            trx,
            this.workflows,
            account.id,
            changed,
            account.dates,
            now,
          );
        }
      }
      for (let offset = 0; offset < events.length; offset += 500) {
        await trx
          .insertInto('account_events')
          .values(events.slice(offset, offset + 500))
          .execute();
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

  /** Reads the account's fields as conditions and due rules read them. */
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
