import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Account, type User } from '@milepost/model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/support/server.ts';

let scratch: string;
let server: TestServer;
let admin: User;
let csm: User;
let secret: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-rest-'));
  server = await startTestServer({ databaseUrl: join(scratch, 'rest.db') });
  const { engine } = server;
  admin = await engine.users.upsert({
    email: 'admin@example.com',
    name: 'Ada Admin',
    role: 'admin',
    password: 'correct horse 42',
  });
  csm = await engine.users.upsert({
    email: 'csm@example.com',
    name: 'Cal Csm',
    role: 'csm',
    password: 'correct horse 42',
  });
  await engine.accounts.upsert([
    Account.parse({
      id: 'acc-1',
      name: 'Account 1',
      ownerId: csm.id,
      segment: 'SMB',
      stage: 'Onboarding',
      dates: { signup_date: '2024-01-10' },
      fields: { seats: 5, plan: 'Pro' },
    }),
  ]);
  ({ secret } = await engine.apiTokens.create('warehouse sync', admin.id));
});

afterAll(async () => {
  await server?.close();
  await rm(scratch, { recursive: true, force: true });
});

function post(path: string, body: unknown, token?: string): Promise<Response> {
  return fetch(`${server.url}/api/v1${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const point = (date: string, value: number, accountId = 'acc-1') => ({
  accountId,
  metric: 'usage_count',
  date,
  value,
});

describe('REST authorization', () => {
  it('rejects a request without a token', async () => {
    const response = await post('/metrics', { points: [point('2024-03-04', 1)] });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const body = (await response.json()) as { error: string };
    expect(body.error).toMatch(/Missing API token/);
  });

  it('rejects an unknown token', async () => {
    const response = await post('/metrics', { points: [point('2024-03-04', 1)] }, 'mp_unknown');
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toMatch(/unknown or revoked/);
  });

  it('rejects a revoked token', async () => {
    const { token, secret: revokedSecret } = await server.engine.apiTokens.create(
      'old sync',
      admin.id,
    );
    const before = await post('/metrics', { points: [point('2024-03-01', 1)] }, revokedSecret);
    expect(before.status).toBe(200);

    await server.engine.apiTokens.revoke(token.id);
    const after = await post('/metrics', { points: [point('2024-03-02', 1)] }, revokedSecret);
    expect(after.status).toBe(401);
    const accounts = await post('/accounts', { accounts: [{ id: 'acc-1' }] }, revokedSecret);
    expect(accounts.status).toBe(401);
    const stored = await server.engine.metrics.series(
      'acc-1',
      'usage_count',
      '2024-03-02',
      '2024-03-02',
    );
    expect(stored).toEqual([]);
  });

  it('records when a token was last used', async () => {
    const { token, secret: fresh } = await server.engine.apiTokens.create('probe', admin.id);
    expect(token.lastUsedAt).toBeNull();
    server.clock.set(Date.parse('2025-02-01T10:00:00Z'));
    await post('/metrics', { points: [point('2024-02-01', 1)] }, fresh);
    const listed = (await server.engine.apiTokens.list()).find((t) => t.id === token.id);
    expect(listed?.lastUsedAt).toBe(Date.parse('2025-02-01T10:00:00Z'));
  });
});

describe('POST /api/v1/metrics', () => {
  it('stores points and replaces them on a repeat', async () => {
    const first = await post(
      '/metrics',
      { points: [point('2024-04-01', 3), point('2024-04-02', 4.5)] },
      secret,
    );
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ written: 2 });

    const again = await post('/metrics', { points: [point('2024-04-01', 7)] }, secret);
    expect(again.status).toBe(200);
    const stored = await server.engine.metrics.series(
      'acc-1',
      'usage_count',
      '2024-04-01',
      '2024-04-30',
    );
    expect(stored).toEqual([
      { date: '2024-04-01', value: 7 },
      { date: '2024-04-02', value: 4.5 },
    ]);
  });

  it('names the invalid field', async () => {
    const points = [point('2024-05-01', 1), point('2024-05-02', 1), { ...point('2024-5-3', 1) }];
    const response = await post('/metrics', { points }, secret);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: { path: string }[] };
    expect(body.error).toMatch(/points\[2\]\.date: Expected a date written YYYY-MM-DD/);
    expect(body.issues.map((issue) => issue.path)).toEqual(['points[2].date']);
    const stored = await server.engine.metrics.series(
      'acc-1',
      'usage_count',
      '2024-05-01',
      '2024-05-31',
    );
    expect(stored).toEqual([]);
  });

  it('names a value that is not a number', async () => {
    const response = await post(
      '/metrics',
      { points: [{ ...point('2024-05-01', 1), value: '3' }] },
      secret,
    );
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string };
    expect(body.error).toMatch(/points\[0\]\.value: /);
  });

  it('rejects a body that is not JSON', async () => {
    const response = await post('/metrics', '{"points": [', secret);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/JSON/);
  });

  it('rejects more points than the maximum', async () => {
    const points = Array.from({ length: 10_001 }, () => point('2024-06-01', 1));
    const response = await post('/metrics', { points }, secret);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /^Invalid request body\. points: /,
    );
  });

  it('writes nothing when an account is unknown', async () => {
    const points = [point('2024-07-01', 1), point('2024-07-01', 1, 'acc-missing')];
    const response = await post('/metrics', { points }, secret);
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: string; accountIds: string[] };
    expect(body.accountIds).toEqual(['acc-missing']);
    expect(body.error).toMatch(/"acc-missing"/);
    const stored = await server.engine.metrics.series(
      'acc-1',
      'usage_count',
      '2024-07-01',
      '2024-07-01',
    );
    expect(stored).toEqual([]);
  });
});

describe('POST /api/v1/accounts', () => {
  it('creates an account and merges an update', async () => {
    const created = await post(
      '/accounts',
      {
        accounts: [
          {
            id: 'acc-2',
            name: 'Account 2',
            ownerEmail: 'CSM@example.com',
            segment: 'Enterprise',
            stage: 'Onboarding',
            dates: { renewal_date: '2025-06-30' },
            fields: { seats: 40 },
          },
        ],
      },
      secret,
    );
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ created: 1, updated: 0, dueDatesMoved: 0 });

    const updated = await post(
      '/accounts',
      {
        accounts: [
          { id: 'acc-1', stage: 'Active', dates: { signup_date: null }, fields: { seats: 8 } },
        ],
      },
      secret,
    );
    expect(updated.status).toBe(200);
    expect(await updated.json()).toEqual({ created: 0, updated: 1, dueDatesMoved: 0 });

    const account2 = await server.engine.accounts.get('acc-2');
    expect(account2.ownerId).toBe(csm.id);
    expect(account2.dates).toEqual({ renewal_date: '2025-06-30' });
    const account1 = await server.engine.accounts.get('acc-1');
    expect(account1.name).toBe('Account 1');
    expect(account1.ownerId).toBe(csm.id);
    expect(account1.stage).toBe('Active');
    expect(account1.dates).toEqual({});
    expect(account1.fields).toEqual({ seats: 8, plan: 'Pro' });
  });

  it('rejects an unknown owner email', async () => {
    const response = await post(
      '/accounts',
      { accounts: [{ id: 'acc-3', name: 'Account 3', ownerEmail: 'nobody@example.com' }] },
      secret,
    );
    expect(response.status).toBe(422);
    expect(((await response.json()) as { emails: string[] }).emails).toEqual([
      'nobody@example.com',
    ]);
    await expect(server.engine.accounts.get('acc-3')).rejects.toThrow(/acc-3/);
  });

  it('rejects a new account without a name', async () => {
    const response = await post('/accounts', { accounts: [{ id: 'acc-4' }] }, secret);
    expect(response.status).toBe(422);
    expect(((await response.json()) as { accountIds: string[] }).accountIds).toEqual(['acc-4']);
  });

  it('names an unknown property', async () => {
    const response = await post('/accounts', { accounts: [{ id: 'acc-1', owner: 'x' }] }, secret);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/accounts\[0\]/);
  });
});

describe('unknown endpoints', () => {
  it('answers a mistyped path with JSON', async () => {
    const response = await post('/metric', { points: [] });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: string };
    expect(body.error).toContain('No endpoint POST /api/v1/metric.');
    expect(body.error).toContain('/api/v1/openapi.json');
  });

  it('answers a wrong method with JSON', async () => {
    const response = await fetch(`${server.url}/api/v1/metrics`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/json');
  });
});

describe('OpenAPI document', () => {
  it('describes both endpoints', async () => {
    const response = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, { post?: { security?: unknown[] } }>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: '/api/v1' }]);
    expect(Object.keys(document.paths).sort()).toEqual(['/accounts', '/metrics']);
    expect(document.paths['/metrics']?.post?.security).toEqual([{ Bearer: [] }]);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining(['MetricsBody', 'AccountsBody', 'Error']),
    );
    expect(document.components.securitySchemes).toHaveProperty('Bearer');
  });
});
