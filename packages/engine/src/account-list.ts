import type { Database } from '@milepost/db';

export interface AccountListFilter {
  /** Matched against name and id, ignoring case. */
  search?: string;
  ownerId?: string;
  segment?: string;
  stage?: string;
  /** Only accounts with an open milestone past its due date. */
  overdue?: boolean;
  /** Page after this cursor (from a previous page's `nextCursor`). */
  cursor?: string;
  limit?: number;
}

export interface AccountListRow {
  id: string;
  name: string;
  ownerId: string | null;
  ownerName: string | null;
  segment: string | null;
  stage: string | null;
}

export interface AccountPage {
  rows: AccountListRow[];
  /** Cursor of the next page, or `null` on the last page. */
  nextCursor: string | null;
  /**
   * Accounts matching the filter; `null` with a search text, because counting every match of
   * a substring search costs a second scan of the table.
   */
  total: number | null;
}

/** Encodes the (name, id) position after which the next page starts. */
const encodeCursor = (name: string, id: string) =>
  Buffer.from(JSON.stringify([name, id])).toString('base64url');
const decodeCursor = (cursor: string) =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];

/**
 * Pages through accounts by name with a keyset cursor, so a page costs the same at any depth,
 * with search and filters applied in the database.
 */
export async function listAccounts(
  database: Database,
  filter: AccountListFilter,
  now: number,
): Promise<AccountPage> {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 500);
  let query = database.db.selectFrom('accounts as a').leftJoin('users as u', 'u.id', 'a.owner_id');
  if (filter.search?.trim()) {
    const pattern = `%${filter.search
      .trim()
      .toLowerCase()
      .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb(eb.fn('lower', ['a.name']), 'like', eb.val(pattern)),
        eb(eb.fn('lower', ['a.id']), 'like', eb.val(pattern)),
      ]),
    );
  }
  if (filter.ownerId) query = query.where('a.owner_id', '=', filter.ownerId);
  if (filter.segment) query = query.where('a.segment', '=', filter.segment);
  if (filter.stage) query = query.where('a.stage', '=', filter.stage);
  if (filter.overdue) {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('instances as i')
          .innerJoin('instance_milestones as m', 'm.instance_id', 'i.id')
          .select('m.milestone_id')
          .whereRef('i.account_id', '=', 'a.id')
          .where('i.status', '=', 'running')
          .where('m.state', 'in', ['ready', 'active'])
          .where('m.due_at', '<', now),
      ),
    );
  }

  const counted = filter.search?.trim()
    ? undefined
    : await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  // A search sorts by lower(name), which no index provides: the database then scans the table
  // once and keeps the first page, instead of walking the whole name index for rare matches.
  const searching = Boolean(filter.search?.trim());
  let page = query;
  if (filter.cursor) {
    const [name, id] = decodeCursor(filter.cursor);
    page = page.where((eb) => {
      const key = searching ? eb.fn<string>('lower', ['a.name']) : eb.ref('a.name');
      return eb.or([eb(key, '>', name), eb.and([eb(key, '=', name), eb('a.id', '>', id)])]);
    });
  }
  const rows = await page
    .select(['a.id', 'a.name', 'a.owner_id', 'u.name as owner_name', 'a.segment', 'a.stage'])
    .orderBy(searching ? (eb) => eb.fn('lower', ['a.name']) : 'a.name')
    .orderBy('a.id')
    .limit(limit + 1)
    .execute();

  const more = rows.length > limit;
  const shown = rows.slice(0, limit);
  const last = shown.at(-1);
  let nextCursor: string | null = null;
  if (more && last) {
    nextCursor = encodeCursor(searching ? last.name.toLowerCase() : last.name, last.id);
  }
  return {
    rows: shown.map((row) => ({
      id: row.id,
      name: row.name,
      ownerId: row.owner_id,
      ownerName: row.owner_name,
      segment: row.segment,
      stage: row.stage,
    })),
    nextCursor,
    total: counted ? Number(counted.n) : null,
  };
}
