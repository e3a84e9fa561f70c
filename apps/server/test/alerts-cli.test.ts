import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, runCliJson } from '../../../test/support/cli.ts';

const lowUsage = {
  key: 'low-usage',
  name: 'Low usage',
  rule: { kind: 'threshold', metric: 'usage_count', window: { days: 7 }, op: 'lt', value: 5 },
};

let scratch: string;
let count = 0;
const freshDatabase = () => join(scratch, `alerts-${++count}.db`);

/** Creates a folder with the example workflows and the given alert type files. */
async function folderWith(files: Record<string, unknown>): Promise<string> {
  const folder = join(scratch, `folder-${++count}`);
  await cp(join(REPO_ROOT, 'examples', 'workflows'), folder, { recursive: true });
  for (const [name, content] of Object.entries(files)) {
    await writeFile(join(folder, name), JSON.stringify(content));
  }
  return folder;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-alerts-cli-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('alerts CLI', () => {
  it('applies alert type files', async () => {
    const db = freshDatabase();
    const folder = await folderWith({ 'low-usage.json': lowUsage });
    const applied = await runCliJson<{ alertTypes: string[] }>([
      'apply',
      folder,
      '--db',
      db,
      '--json',
    ]);
    expect(applied.alertTypes).toEqual(['low-usage']);

    const listed = await runCliJson<{ types: { type: { key: string }; cadence: string }[] }>([
      'alerts',
      'list',
      '--db',
      db,
      '--json',
    ]);
    expect(listed.types.map((t) => [t.type.key, t.cadence])).toEqual([['low-usage', 'daily']]);
  });

  it('applies nothing when an alert type is invalid', async () => {
    const db = freshDatabase();
    const folder = await folderWith({
      'bad.json': { ...lowUsage, key: 'bad', rule: { ...lowUsage.rule, op: 'below' } },
    });
    const result = await runCli(['apply', folder, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Nothing was applied');
    expect(result.stderr).toContain('bad.json');
    expect(result.stderr).toContain('rule.op');

    const report = await runCli(['report', 'durations', 'onboarding', '--db', db]);
    expect(report.stderr).toContain('No published workflow "onboarding"');
  });

  it('applies nothing when a playbook is missing', async () => {
    const db = freshDatabase();
    const folder = await folderWith({ 'drop.json': { ...lowUsage, playbook: 'nowhere' } });
    const result = await runCli(['apply', folder, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('uses playbook "nowhere", which does not exist');

    const listed = await runCliJson<{ types: unknown[] }>(['alerts', 'list', '--db', db, '--json']);
    expect(listed.types).toEqual([]);
    const report = await runCli(['report', 'durations', 'onboarding', '--db', db]);
    expect(report.stderr).toContain('No published workflow "onboarding"');
  });

  it('rejects an invalid evaluation date', async () => {
    const result = await runCli([
      'alerts',
      'evaluate',
      '--as-of',
      '2024-13-01',
      '--db',
      freshDatabase(),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Invalid --as-of "2024-13-01"');
  });

  it('rejects a date after today', async () => {
    const result = await runCli([
      'alerts',
      'evaluate',
      '--as-of',
      '2025-03-10',
      '--clock',
      '2025-03-03T09:00:00Z',
      '--db',
      freshDatabase(),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('after today (2025-03-03)');
  });

  it('rejects a backtest of an unknown type', async () => {
    const result = await runCli([
      'alerts',
      'backtest',
      'nope',
      '--from',
      '2024-01-01',
      '--to',
      '2024-01-31',
      '--db',
      freshDatabase(),
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('No alert type "nope" exists');
  });
});
