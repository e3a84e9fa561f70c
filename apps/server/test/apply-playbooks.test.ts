import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest, openDatabase } from '@milepost/db';
import { Engine } from '@milepost/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, runCliJson } from '../../../test/support/cli.ts';

interface ApplySummary {
  playbooks: { key: string; version: number; created: boolean; file: string }[];
}

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'milepost-apply-playbooks-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

async function storedPlaybooks(db: string) {
  const database = openDatabase(db);
  try {
    await migrateToLatest(database);
    return await new Engine({ database }).playbooks.list();
  } finally {
    await database.close();
  }
}

describe('apply playbooks', () => {
  it('publishes a changed playbook once', async () => {
    const folder = join(scratch, 'playbooks');
    const db = join(scratch, 'publish.db');
    await cp(join(REPO_ROOT, 'examples', 'playbooks'), folder, { recursive: true });

    const first = await runCliJson<ApplySummary>(['apply', folder, '--db', db, '--json']);
    const second = await runCliJson<ApplySummary>(['apply', folder, '--db', db, '--json']);
    const file = join(folder, 'usage-drop.json');
    const playbook = JSON.parse(await readFile(file, 'utf8')) as { name: string };
    await writeFile(file, JSON.stringify({ ...playbook, name: 'Usage drop (revised)' }));
    const third = await runCliJson<ApplySummary>(['apply', folder, '--db', db, '--json']);

    expect(first.playbooks.map((entry) => [entry.key, entry.version, entry.created])).toEqual([
      ['renewal-risk', 1, true],
      ['usage-drop', 1, true],
    ]);
    expect(second.playbooks.every((entry) => !entry.created)).toBe(true);
    expect(third.playbooks.filter((entry) => entry.created)).toEqual([
      { key: 'usage-drop', version: 2, created: true, file },
    ]);
    const usageDrop = (await storedPlaybooks(db)).find((entry) => entry.key === 'usage-drop');
    expect(usageDrop?.draft?.unpublishedChanges).toBe(false);
    expect(usageDrop?.name).toBe('Usage drop (revised)');
  });

  it('applies nothing when a playbook is invalid', async () => {
    const folder = join(scratch, 'mixed');
    const db = join(scratch, 'invalid.db');
    await cp(join(REPO_ROOT, 'examples', 'playbooks'), folder, { recursive: true });
    const invalid = {
      key: 'broken',
      name: 'Broken',
      steps: [{ id: 'Call Them', title: '' }],
      links: [{ title: 'Trap', url: 'javascript:alert(1)' }],
    };
    await writeFile(join(folder, 'broken.json'), JSON.stringify(invalid));

    const result = await runCli(['apply', folder, '--db', db]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Nothing was applied');
    expect(result.stderr).toContain('broken.json is not a valid playbook');
    expect(result.stderr).toContain('steps.0.id: Use lowercase letters');
    expect(result.stderr).toContain('steps.0.title: Give the step a title.');
    expect(result.stderr).toContain('links.0.url: Links must start with');
    expect(await storedPlaybooks(db)).toEqual([]);
  });
});
