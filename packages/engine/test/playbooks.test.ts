import { describeEachDialect } from '@milepost/db/testing';
import type { Database } from '@milepost/db';
import type { PlaybookInput } from '@milepost/model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DraftConflictError,
  InvalidRequestError,
  NotFoundError,
  PlaybookError,
} from '../src/index.ts';
import { DAY, setUpEngine } from './helpers.ts';

function paragraph(text: string) {
  return {
    type: 'doc' as const,
    content: [{ type: 'paragraph' as const, content: [{ type: 'text' as const, text }] }],
  };
}

const usageDrop: PlaybookInput = {
  key: 'usage-drop',
  name: 'Usage drop',
  overview: paragraph('Usage fell sharply; find out why.'),
  steps: [
    { id: 'review', title: 'Review the usage trend', guidance: paragraph('Open the account.') },
    { id: 'call', title: 'Call the champion' },
  ],
  offers: [{ title: 'Training session', limit: 'Up to 2 free sessions' }],
  links: [{ title: 'Adoption guide', url: 'https://docs.example.com/adoption' }],
};

describeEachDialect('playbooks', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
  });
  afterEach(() => database.close());

  async function createUsageDrop() {
    const { engine, lead } = setup;
    return engine.playbooks.create(
      { key: 'usage-drop', name: 'Usage drop', playbook: usageDrop },
      lead.id,
    );
  }

  describe('drafts', () => {
    it('creates an empty draft at revision 1', async () => {
      const { engine, lead } = setup;
      const draft = await engine.playbooks.create(
        { key: 'renewal-risk', name: 'Renewal risk' },
        lead.id,
      );

      expect(draft.revision).toBe(1);
      expect(draft.playbook).toMatchObject({
        key: 'renewal-risk',
        name: 'Renewal risk',
        steps: [],
      });
      expect(draft.updatedBy).toEqual({ id: lead.id, name: 'Lee Lead' });
      expect(draft.latest).toBeNull();
      expect(draft.unpublishedChanges).toBe(true);
      expect(draft.problems).toEqual([]);
    });

    it('rejects a used key', async () => {
      await createUsageDrop();
      await expect(createUsageDrop()).rejects.toThrow(InvalidRequestError);
      await expect(createUsageDrop()).rejects.toThrow(/"usage-drop" already exists/);
    });

    it('rejects an invalid key', async () => {
      const { engine, lead } = setup;
      const create = engine.playbooks.create({ key: 'Usage Drop', name: 'Usage drop' }, lead.id);
      await expect(create).rejects.toThrow(/Playbook key "Usage Drop" is invalid/);
    });

    it('saves a draft with a new revision', async () => {
      const { engine, clock, lead } = setup;
      await createUsageDrop();
      clock.advance(DAY);
      const saved = await engine.playbooks.saveDraft(
        'usage-drop',
        { ...usageDrop, name: 'Usage drop play' },
        1,
        lead.id,
      );

      expect(saved.revision).toBe(2);
      const draft = await engine.playbooks.getDraft('usage-drop');
      expect(draft.revision).toBe(2);
      expect(draft.playbook.name).toBe('Usage drop play');
      expect(draft.updatedAt).toBe(clock.now());
      const [entry] = await engine.playbooks.list();
      expect(entry?.name).toBe('Usage drop play');
    });

    it('rejects a stale save', async () => {
      const { engine, lead, csm } = setup;
      await createUsageDrop();
      await engine.playbooks.saveDraft('usage-drop', usageDrop, 1, lead.id);
      const stale = engine.playbooks.saveDraft(
        'usage-drop',
        { ...usageDrop, name: 'Old' },
        1,
        csm.id,
      );

      await expect(stale).rejects.toThrow(DraftConflictError);
      await expect(stale).rejects.toMatchObject({ baseRevision: 1, currentRevision: 2 });
      expect((await engine.playbooks.getDraft('usage-drop')).playbook.name).toBe('Usage drop');
    });

    it('keeps an invalid draft with its problems', async () => {
      const { engine, lead } = setup;
      await createUsageDrop();
      const invalid = { ...usageDrop, steps: [{ id: 'review', title: '' }] };
      await engine.playbooks.saveDraft('usage-drop', invalid, 1, lead.id);

      const draft = await engine.playbooks.getDraft('usage-drop');
      expect(draft.problems).toEqual([
        { path: 'steps.0.title', message: 'Give the step a title.' },
      ]);
    });

    it('reports a missing playbook', async () => {
      const { engine, lead } = setup;
      await expect(engine.playbooks.getDraft('nope')).rejects.toThrow(NotFoundError);
      await expect(engine.playbooks.saveDraft('nope', usageDrop, 0, lead.id)).rejects.toThrow(
        NotFoundError,
      );
    });
  });

  describe('publish', () => {
    it('publishes numbered versions', async () => {
      const { engine, clock, lead } = setup;
      await createUsageDrop();
      const first = await engine.playbooks.publish('usage-drop', lead.id);
      await engine.playbooks.saveDraft(
        'usage-drop',
        { ...usageDrop, name: 'Usage drop v2' },
        1,
        lead.id,
      );
      clock.advance(DAY);
      const second = await engine.playbooks.publish('usage-drop', lead.id);

      expect(first.created).toBe(true);
      expect(first.version.version).toBe(1);
      expect(second.version.version).toBe(2);
      expect(second.version.publishedAt).toBe(clock.now());
      expect((await engine.playbooks.latest('usage-drop')).id).toBe(second.version.id);
      expect((await engine.playbooks.version(first.version.id)).playbook.name).toBe('Usage drop');
      const versions = await engine.playbooks.versions('usage-drop');
      expect(versions.map((version) => version.version)).toEqual([2, 1]);
      expect(versions[0]?.stepCount).toBe(2);
      expect(versions[0]?.publishedBy).toEqual({ id: lead.id, name: 'Lee Lead' });
    });

    it('makes no version for unchanged content', async () => {
      const { engine, lead } = setup;
      await createUsageDrop();
      const first = await engine.playbooks.publish('usage-drop', lead.id);
      const again = await engine.playbooks.publish('usage-drop', lead.id);

      expect(again.created).toBe(false);
      expect(again.version.id).toBe(first.version.id);
      expect(await engine.playbooks.versions('usage-drop')).toHaveLength(1);
      expect((await engine.playbooks.getDraft('usage-drop')).unpublishedChanges).toBe(false);
    });

    it('names every problem of an invalid draft', async () => {
      const { engine, lead } = setup;
      await createUsageDrop();
      const invalid = {
        ...usageDrop,
        name: ' ',
        steps: [
          { id: 'review', title: 'Review' },
          { id: 'review', title: '' },
        ],
        offers: [{ title: '' }],
        links: [{ title: 'Bad', url: 'javascript:alert(1)' }],
      };
      await engine.playbooks.saveDraft('usage-drop', invalid, 1, lead.id);

      const error = await engine.playbooks.publish('usage-drop', lead.id).catch((caught) => caught);
      expect(error).toBeInstanceOf(PlaybookError);
      const paths = (error as PlaybookError).problems.map((problem) => problem.path).sort();
      expect(paths).toEqual([
        'links.0.url',
        'name',
        'offers.0.title',
        'steps.1.id',
        'steps.1.title',
      ]);
      expect((error as PlaybookError).message).toContain('links.0.url: Links must start with');
      expect(await engine.playbooks.versions('usage-drop')).toEqual([]);
    });

    it('reports a duplicate step id', async () => {
      const { engine, lead } = setup;
      await createUsageDrop();
      const steps = [
        { id: 'call', title: 'Call' },
        { id: 'call', title: 'Call again' },
      ];
      await engine.playbooks.saveDraft('usage-drop', { ...usageDrop, steps }, 1, lead.id);

      const error = await engine.playbooks.publish('usage-drop', lead.id).catch((caught) => caught);
      expect((error as PlaybookError).problems).toEqual([
        { path: 'steps.1.id', message: 'Step id "call" is used twice; give each step its own id.' },
      ]);
    });

    it('rejects a publish of a changed draft', async () => {
      const { engine, lead } = setup;
      await createUsageDrop();
      await engine.playbooks.saveDraft('usage-drop', usageDrop, 1, lead.id);

      await expect(engine.playbooks.publish('usage-drop', lead.id, 1)).rejects.toThrow(
        DraftConflictError,
      );
    });

    it('reports a playbook never published', async () => {
      const { engine } = setup;
      await createUsageDrop();
      await expect(engine.playbooks.latest('usage-drop')).rejects.toThrow(/Publish it first/);
    });
  });

  describe('apply', () => {
    it('creates, saves and publishes a file', async () => {
      const { engine, lead } = setup;
      const applied = await engine.playbooks.apply(usageDrop, lead.id);

      expect(applied.created).toBe(true);
      const draft = await engine.playbooks.getDraft('usage-drop');
      expect(draft.revision).toBe(1);
      expect(draft.unpublishedChanges).toBe(false);
      expect(draft.latest?.version).toBe(1);
    });

    it('leaves an unchanged file alone', async () => {
      const { engine, lead } = setup;
      await engine.playbooks.apply(usageDrop, lead.id);
      const again = await engine.playbooks.apply(usageDrop, lead.id);

      expect(again.created).toBe(false);
      expect((await engine.playbooks.getDraft('usage-drop')).revision).toBe(1);
    });

    it('writes nothing for an invalid file', async () => {
      const { engine, lead } = setup;
      const invalid = { ...usageDrop, steps: [{ id: 'Bad Id', title: 'x' }] };

      await expect(engine.playbooks.apply(invalid, lead.id, 'usage-drop.json')).rejects.toThrow(
        /usage-drop.json is invalid:\n {2}- steps.0.id: Use lowercase/,
      );
      expect(await engine.playbooks.list()).toEqual([]);
    });
  });

  describe('list', () => {
    it('shows draft state, versions and alert types', async () => {
      const { engine, lead } = setup;
      await createUsageDrop();
      await engine.playbooks.publish('usage-drop', lead.id);
      await engine.playbooks.saveDraft('usage-drop', { ...usageDrop, steps: [] }, 1, lead.id);
      await database.db
        .insertInto('alert_types')
        .values({
          key: 'weekly-drop',
          name: 'Weekly usage drop',
          definition_json: JSON.stringify({ key: 'weekly-drop', playbook: 'usage-drop' }),
          enabled: 0,
          evaluated_through: null,
          created_at: 0,
          updated_at: 0,
          updated_by: null,
        })
        .execute();

      const [entry] = await engine.playbooks.list();
      expect(entry).toMatchObject({
        key: 'usage-drop',
        versionCount: 1,
        latest: { version: 1 },
        draft: { revision: 2, stepCount: 0, problemCount: 0, unpublishedChanges: true },
        alertTypes: [{ key: 'weekly-drop', name: 'Weekly usage drop' }],
      });
    });
  });
});
