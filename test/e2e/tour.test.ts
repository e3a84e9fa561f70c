import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@milepost/db';
import { ManualClock } from '@milepost/engine';
import { parseTeamFile } from '@milepost/model';
import { expect } from 'vitest';
import { RAVENSTACK_EXAMPLE } from '../../apps/server/src/demo/ravenstack.ts';
import { DEMO_PASSWORD, seedDemo } from '../../apps/server/src/demo/seed.ts';
import { runCli } from '../support/cli.ts';
import { chromiumAvailable } from './harness.ts';
import { describeTour, type TourRole } from './tour.ts';

/**
 * A Wednesday afternoon. The seed is deterministic for a given clock and seed, and a fixed clock
 * keeps the README's screenshots the same from run to run.
 */
const TOUR_CLOCK = '2026-06-17T14:00:00Z';

/** The demo user that the README names for each role. */
const DEMO_USERS = {
  lead: 'morgan.ellis@example.com',
  csm: 'jonah.park@example.com',
  admin: 'theo.brandt@example.com',
} as const;

/** The day after the RavenStack replay: the command's summary starts `serve --clock` there. */
const RAVENSTACK_SERVE_DATE = '2025-01-01';

const browserAvailable = chromiumAvailable();

describeTour(
  {
    name: 'seeded demo',
    screenshotPrefix: 'tour-',
    updatesDocs: true,
    clock: TOUR_CLOCK,
    workflows: { designer: 'onboarding', reports: 'onboarding', simulator: 'renewal' },
    setupTimeoutMs: 120_000,
    async build(file) {
      const database = openDatabase(file);
      await migrateToLatest(database);
      await seedDemo(database, new ManualClock(TOUR_CLOCK));
      await database.close();
    },
    users: () => Promise.resolve(DEMO_USERS),
  },
  browserAvailable,
);

// The RavenStack tables are read where the reference data lies and are never copied.
const referenceData = process.env.MILEPOST_REFERENCE_DATA?.trim();
if (!referenceData) {
  console.warn(
    'Tour of the RavenStack demo skipped: set MILEPOST_REFERENCE_DATA to the folder that ' +
      'contains ravenstack/ravenstack_accounts.csv, ravenstack_subscriptions.csv and ' +
      'ravenstack_feature_usage.csv.',
  );
}

let ravenstackSummary = '';

describeTour(
  {
    name: 'RavenStack demo',
    screenshotPrefix: 'ravenstack-',
    updatesDocs: false,
    clock: `${RAVENSTACK_SERVE_DATE}T09:00:00Z`,
    workflows: {
      designer: 'ravenstack-onboarding',
      reports: 'ravenstack-onboarding',
      simulator: 'ravenstack-renewal',
    },
    // One run of the demo command, under a minute on an idle two-core machine.
    setupTimeoutMs: 600_000,
    async build(file) {
      const started = performance.now();
      const result = await runCli(['demo', 'ravenstack', '--data', referenceData!, '--db', file]);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(`milepost demo ravenstack took ${seconds} s`);
      expect(result.code, result.stderr).toBe(0);

      const lines = result.stdout.trimEnd().split('\n');
      expect(lines.at(-2)).toBe(
        `To look at it: pnpm milepost serve --db ${file} --clock ${RAVENSTACK_SERVE_DATE}`,
      );
      ravenstackSummary = lines.at(-1)!;
    },
    async users(engine) {
      return signInFromSummary(ravenstackSummary, await engine.users.list());
    },
  },
  browserAvailable && Boolean(referenceData),
);

/**
 * Reads the user named for each role from the summary's last line, and checks each against the
 * RavenStack team file and, for the CSM, against the open alert tasks it states.
 */
function signInFromSummary(
  line: string,
  stored: readonly { email: string; role: string }[],
): Record<TourRole, string> {
  expect(line).toMatch(/^Then sign in as /);
  expect(line).toContain(`with the password "${DEMO_PASSWORD}".`);
  const named: Partial<Record<TourRole, string>> = {};
  for (const match of line.matchAll(/(\S+@\S+) \((lead|admin|CSM)\b/g)) {
    named[match[2]!.toLowerCase() as TourRole] = match[1]!;
  }

  const teamFile = join(RAVENSTACK_EXAMPLE, 'team.json');
  const team = parseTeamFile(JSON.parse(readFileSync(teamFile, 'utf8')), teamFile).users;
  const users = {} as Record<TourRole, string>;
  for (const role of ['lead', 'csm', 'admin'] as const) {
    const email = named[role];
    expect(email, `the summary names no ${role}: ${line}`).toBeDefined();
    expect(team.find((member) => member.email === email)?.role).toBe(role);
    expect(stored.find((user) => user.email === email)?.role).toBe(role);
    users[role] = email!;
  }
  // The summary picks the CSM with the most open alert tasks, and the tour opens one of them.
  expect(line).toMatch(/\(CSM, [1-9]\d* open alert tasks?\)/);
  return users;
}
