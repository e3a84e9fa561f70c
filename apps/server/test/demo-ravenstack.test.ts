import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@milepost/db';
import { Engine, ManualClock } from '@milepost/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/support/cli.ts';
import { signInLines } from '../src/cli/commands/demo-ravenstack.ts';
import type { TeamMemberSignIn } from '../src/demo/ravenstack.ts';

/**
 * Two accounts in the RavenStack layout: an Enterprise one with an annual subscription that signs
 * up in November 2024, and a Basic one whose only usage in September 2024 is followed by silence.
 */
const TABLES = {
  accounts: [
    'account_id,account_name,industry,country,signup_date,referral_source,plan_tier,seats,is_trial,churn_flag',
    'A-1,Company_1,EdTech,US,2024-11-20,partner,Enterprise,9,FALSE,FALSE',
    'A-2,Company_2,FinTech,IN,2023-03-01,other,Basic,18,FALSE,FALSE',
  ],
  subscriptions: [
    'subscription_id,account_id,start_date,end_date,plan_tier,seats,mrr_amount,arr_amount,is_trial,upgrade_flag,downgrade_flag,churn_flag,billing_frequency,auto_renew_flag',
    'S-1,A-1,2024-11-20,,Enterprise,9,100,1200,FALSE,FALSE,FALSE,FALSE,annual,TRUE',
    'S-2,A-2,2023-03-01,,Basic,18,100,1200,FALSE,FALSE,FALSE,FALSE,monthly,TRUE',
  ],
  feature_usage: [
    'usage_id,subscription_id,usage_date,feature_name,usage_count,usage_duration_secs,error_count,is_beta_feature',
    'U-1,S-2,2024-09-02,feature_1,30,10,0,False',
    'U-2,S-1,2024-11-21,feature_1,5,10,0,False',
  ],
};

const TEAM: TeamMemberSignIn[] = [
  { email: 'lee@example.com', name: 'Lee', role: 'lead', openAlerts: 0 },
  { email: 'ada@example.com', name: 'Ada', role: 'admin', openAlerts: 0 },
  { email: 'cai@example.com', name: 'Cai', role: 'csm', openAlerts: 2 },
  { email: 'cora@example.com', name: 'Cora', role: 'csm', openAlerts: 1 },
  { email: 'cruz@example.com', name: 'Cruz', role: 'csm', openAlerts: 2 },
];

describe('demo ravenstack sign-in lines', () => {
  const summary = { serveClock: '2025-01-01', signIn: { password: 'milepost-demo', users: TEAM } };

  it('picks the first CSM with max open alerts', () => {
    expect(signInLines(summary, 'demo.db')).toEqual([
      'To look at it: pnpm milepost serve --db demo.db --clock 2025-01-01',
      'Then sign in as lee@example.com (lead), ada@example.com (admin), or cai@example.com ' +
        '(CSM, 2 open alert tasks) with the password "milepost-demo".',
    ]);
  });

  it('counts one open alert task', () => {
    const users = TEAM.filter((user) => user.openAlerts < 2);
    const [, line] = signInLines({ ...summary, signIn: { ...summary.signIn, users } }, 'demo.db');
    expect(line).toContain('cora@example.com (CSM, 1 open alert task)');
  });

  it('leaves out --db when none was given', () => {
    expect(signInLines(summary, undefined)[0]).toBe(
      'To look at it: pnpm milepost serve --clock 2025-01-01',
    );
  });

  it('quotes a path for the shell', () => {
    expect(signInLines(summary, "/tmp/my demo/it's.db")[0]).toBe(
      "To look at it: pnpm milepost serve --db '/tmp/my demo/it'\\''s.db' --clock 2025-01-01",
    );
  });

  it('hides the password of a database URL', () => {
    const [line] = signInLines(summary, 'postgres://milepost:s3cret@db.internal:5432/milepost');
    expect(line).toBe(
      'To look at it: pnpm milepost serve --db ' +
        'postgres://milepost:PASSWORD@db.internal:5432/milepost --clock 2025-01-01',
    );
    expect(signInLines(summary, 'postgres://milepost@127.0.0.1/test')[0]).toContain(
      '--db postgres://milepost@127.0.0.1/test --clock',
    );
  });
});

describe('demo ravenstack on two accounts', () => {
  let scratch: string;

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'milepost ravenstack-'));
    await mkdir(join(scratch, 'ravenstack'));
    for (const [table, lines] of Object.entries(TABLES)) {
      await writeFile(
        join(scratch, 'ravenstack', `ravenstack_${table}.csv`),
        `${lines.join('\n')}\n`,
      );
    }
  });
  afterAll(() => rm(scratch, { recursive: true, force: true }));

  it('ends with how to sign in', async () => {
    const db = join(scratch, 'demo.db');
    const result = await runCli(['demo', 'ravenstack', '--data', scratch, '--db', db]);
    expect(result.code, result.stderr).toBe(0);

    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.at(-2)).toBe(`To look at it: pnpm milepost serve --db '${db}' --clock 2025-01-01`);
    expect(lines.at(-1)).toBe(
      'Then sign in as dana.whitfield@example.com (lead), omar.castell@example.com (admin), or ' +
        'keiko.hart@example.com (CSM, 0 open alert tasks) with the password "milepost-demo".',
    );

    const database = openDatabase(db);
    try {
      const engine = new Engine({ database, clock: new ManualClock('2025-01-01T00:00:00Z') });
      const users = await engine.users.list();
      expect(users.length).toBe(7);
      for (const { email } of users) {
        const signedIn = await engine.users.verifyLogin(email, 'milepost-demo');
        expect(signedIn?.email, email).toBe(email);
      }
    } finally {
      await database.close();
    }
  });
});
