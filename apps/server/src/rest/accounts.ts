import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Engine } from '@milepost/engine';
import type { Account, FieldValue, IsoDate } from '@milepost/model';
import type { RestEnv } from './auth.ts';
import { AccountsBody, AccountsResult, ErrorBody, type AccountRecord } from './schemas.ts';

const errorContent = { 'application/json': { schema: ErrorBody } };
/** Account ids per `IN (...)` list when reading the stored accounts. */
const READ_CHUNK = 500;

export const upsertAccountsRoute = createRoute({
  method: 'post',
  path: '/accounts',
  summary: 'Create or update accounts by id',
  description:
    'Works as an account import does: a created account or a changed stage is recorded for the ' +
    'deployment rules, and open due dates that hang on a changed date move with it.',
  security: [{ Bearer: [] }],
  request: {
    body: { required: true, content: { 'application/json': { schema: AccountsBody } } },
  },
  responses: {
    200: {
      description: 'Every account was stored.',
      content: { 'application/json': { schema: AccountsResult } },
    },
    400: {
      description: 'The body is invalid, and `issues` names each field.',
      content: errorContent,
    },
    401: { description: 'The token is missing, unknown or revoked.', content: errorContent },
    422: {
      description:
        'An id repeats, a new account has no name (`accountIds`), or an owner email is not a ' +
        'user (`emails`); nothing was stored.',
      content: errorContent,
    },
  },
});

/** Adds `POST /accounts`: merges the records into the stored accounts in one transaction. */
export function addAccountsRoute(api: OpenAPIHono<RestEnv>, engine: Engine): void {
  api.openapi(upsertAccountsRoute, async (c) => {
    const { accounts: records } = c.req.valid('json');

    const ids = records.map((record) => record.id);
    const repeated = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
    if (repeated.length > 0) {
      const error = `The accounts ${quoted(repeated)} appear more than once: send each id once.`;
      return c.json({ error, accountIds: repeated }, 422);
    }

    const stored = await readAccounts(engine, ids);
    const nameless = records.filter((r) => r.name === undefined && !stored.has(r.id));
    if (nameless.length > 0) {
      const missing = nameless.map((record) => record.id);
      const error = `The new accounts ${quoted(missing)} need a name: add "name" to each.`;
      return c.json({ error, accountIds: missing }, 422);
    }

    const users = new Map((await engine.users.list()).map((u) => [u.email.toLowerCase(), u.id]));
    const emails = records.flatMap((record) => (record.ownerEmail ? [record.ownerEmail] : []));
    const unknown = [...new Set(emails.filter((email) => !users.has(email.toLowerCase())))];
    if (unknown.length > 0) {
      const error =
        `The owner emails ${quoted(unknown)} are not Milepost users. Add the users first, or ` +
        'correct the emails.';
      return c.json({ error, emails: unknown }, 422);
    }

    const merged = records.map((record) => merge(record, stored.get(record.id), users));
    const counts = await engine.accounts.upsert(merged);
    return c.json(counts, 200);
  });
}

/** Applies a record to the stored account, or builds a new account from it. */
function merge(
  record: AccountRecord,
  stored: Account | undefined,
  users: ReadonlyMap<string, string>,
): Account {
  const dates: Record<string, IsoDate> = { ...stored?.dates };
  for (const [name, date] of Object.entries(record.dates ?? {})) {
    if (date === null) delete dates[name];
    else dates[name] = date;
  }
  const fields: Record<string, FieldValue> = { ...stored?.fields, ...record.fields };

  const ownerId =
    record.ownerEmail === undefined
      ? (stored?.ownerId ?? null)
      : record.ownerEmail === null
        ? null
        : users.get(record.ownerEmail.toLowerCase())!;
  return {
    id: record.id,
    name: record.name ?? stored!.name,
    ownerId,
    segment: record.segment === undefined ? (stored?.segment ?? null) : record.segment,
    stage: record.stage === undefined ? (stored?.stage ?? null) : record.stage,
    dates,
    fields,
  } as Account;
}

async function readAccounts(engine: Engine, ids: readonly string[]): Promise<Map<string, Account>> {
  const accounts = new Map<string, Account>();
  for (let offset = 0; offset < ids.length; offset += READ_CHUNK) {
    const rows = await engine.database.db
      .selectFrom('accounts')
      .select(['id', 'name', 'owner_id', 'segment', 'stage', 'dates_json', 'fields_json'])
      .where('id', 'in', ids.slice(offset, offset + READ_CHUNK))
      .execute();
    for (const row of rows) {
      accounts.set(row.id, {
        id: row.id,
        name: row.name,
        ownerId: row.owner_id,
        segment: row.segment,
        stage: row.stage,
        dates: JSON.parse(row.dates_json || '{}') as Record<string, IsoDate>,
        fields: JSON.parse(row.fields_json || '{}') as Record<string, FieldValue>,
      } as Account);
    }
  }
  return accounts;
}

function quoted(values: readonly string[]): string {
  const shown = values.slice(0, 20).map((value) => `"${value}"`);
  return values.length > shown.length
    ? `${shown.join(', ')} and ${values.length - shown.length} more`
    : shown.join(', ');
}
