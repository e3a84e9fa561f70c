import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrateToLatest, openDatabase } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createLogger } from '../../apps/server/src/logger.ts';
import { DEFAULT_WEB_ROOT, startServer } from '../../apps/server/src/serve.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIR = fileURLToPath(
  new URL('../../test-output/screenshots/', import.meta.url),
);

export const USERS = {
  admin: { email: 'admin@example.com', name: 'Ada Admin', role: 'admin', password: 'admin-pass-1' },
  lead: { email: 'lead@example.com', name: 'Lee Lead', role: 'lead', password: 'lead-pass-1' },
  csm: { email: 'csm@example.com', name: 'Casey CSM', role: 'csm', password: 'csm-pass-1' },
} as const;

export type SeededRole = keyof typeof USERS;

/** Checks that the browser tests can run here, and warns with the reason when they cannot. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  console.warn(`Browser tests skipped: no Chromium at ${CHROMIUM_PATH}. Install it with apt-get.`);
  return false;
}

/** Fails with instructions when the web app has not been built. */
export function assertWebBuilt(): void {
  if (!existsSync(join(DEFAULT_WEB_ROOT, 'index.html'))) {
    throw new Error(
      `The web app is not built: ${join(DEFAULT_WEB_ROOT, 'index.html')} is missing. ` +
        'Run `pnpm --filter @milepost/web build` first (`pnpm test` does it for you).',
    );
  }
}

export interface DesignerServer {
  url: string;
  engine: Engine;
  close(): Promise<void>;
}

/**
 * Starts the real server in this process on a free port, against a new SQLite file in a temp
 * folder, with an admin, a lead and a CSM.
 */
export async function startDesignerServer(): Promise<DesignerServer> {
  assertWebBuilt();
  const folder = mkdtempSync(join(tmpdir(), 'milepost-e2e-'));
  const database = openDatabase(join(folder, 'milepost.db'));
  await migrateToLatest(database);

  // The session cookie expires by the server's clock, so a clock far from real time would make
  // the browser drop the cookie at once.
  const engine = new Engine({ database, clock: new ManualClock(Date.now()) });
  for (const user of Object.values(USERS)) await engine.users.upsert({ ...user });
  const server = await startServer(engine, createLogger('warn'), { port: 0 });

  return {
    url: `http://127.0.0.1:${server.port}`,
    engine,
    async close() {
      await server.close();
      await database.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Opens a new page signed in as one of the seeded users. */
export async function signIn(browser: Browser, url: string, role: SeededRole): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('Email').fill(USERS[role].email);
  await page.getByLabel('Password').fill(USERS[role].password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor();
  return page;
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return join(SCREENSHOT_DIR, `${name}.png`);
}

/** A second CSM, for tests about ownership and reassignment. */
export const SECOND_CSM = {
  email: 'csm2@example.com',
  name: 'Cody CSM',
  role: 'csm',
  password: 'csm-pass-2',
} as const;

export interface WorkspaceServer extends DesignerServer {
  clock: ManualClock;
  /** User ids by seeded role, plus `csm2` for `SECOND_CSM`. */
  userIds: Record<SeededRole | 'csm2', string>;
}

/**
 * Starts the real server like `startDesignerServer`, but on a `ManualClock` at `clockStart`,
 * with `SECOND_CSM` added to the seeded users.
 */
export async function startWorkspaceServer(clockStart: string): Promise<WorkspaceServer> {
  assertWebBuilt();
  const folder = mkdtempSync(join(tmpdir(), 'milepost-e2e-'));
  const database = openDatabase(join(folder, 'milepost.db'));
  await migrateToLatest(database);

  const clock = new ManualClock(clockStart);
  const engine = new Engine({ database, clock });
  const people = { ...USERS, csm2: SECOND_CSM };
  const userIds = {} as Record<SeededRole | 'csm2', string>;
  for (const [key, user] of Object.entries(people)) {
    userIds[key as SeededRole | 'csm2'] = (await engine.users.upsert({ ...user })).id;
  }
  const server = await startServer(engine, createLogger('warn'), { port: 0 });

  return {
    url: `http://127.0.0.1:${server.port}`,
    engine,
    clock,
    userIds,
    async close() {
      await server.close();
      await database.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** Opens a new browser context signed in with the given email and password. */
export async function signInWith(
  browser: Browser,
  url: string,
  credentials: { email: string; password: string },
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('Email').fill(credentials.email);
  await page.getByLabel('Password').fill(credentials.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByTestId('signed-in-user').waitFor();
  return page;
}
