import { describeEachDialect } from '@milepost/db/testing';
import type { Database } from '@milepost/db';
import { DefinitionError, parseDefinition, type WorkflowDefinitionInput } from '@milepost/model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DraftConflictError, InvalidRequestError, NotFoundError } from '../src/index.ts';
import { DAY, forkJoin, setUpEngine } from './helpers.ts';

const renewal: WorkflowDefinitionInput = {
  key: 'renewal',
  name: 'Renewal',
  milestones: [
    { id: 'review', name: 'Review usage', targetDays: 5 },
    { id: 'offer', name: 'Send offer', targetDays: 3 },
  ],
  dependencies: [{ from: 'review', to: 'offer' }],
};

describeEachDialect('drafts', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
  });
  afterEach(() => database.close());

  describe('create', () => {
    it('starts an empty draft at revision 1', async () => {
      const { engine, lead } = setup;
      const draft = await engine.drafts.create({ key: 'qbr', name: 'Quarterly review' }, lead.id);

      expect(draft.revision).toBe(1);
      expect(draft.definition).toMatchObject({ key: 'qbr', name: 'Quarterly review' });
      expect(draft.definition.milestones).toEqual([]);
      expect(draft.updatedBy).toEqual({ id: lead.id, name: 'Lee Lead' });
      expect(draft.latest).toBeNull();
      expect(draft.problems.map((problem) => problem.code)).toEqual(['empty_workflow']);
    });

    it('stores a given definition under the new key', async () => {
      const { engine, lead } = setup;
      const draft = await engine.drafts.create(
        { key: 'renewal-2', name: '', definition: renewal },
        lead.id,
      );

      expect(draft.definition.key).toBe('renewal-2');
      expect(draft.definition.name).toBe('Renewal');
      expect(draft.definition.milestones).toHaveLength(2);
      expect(draft.problems).toEqual([]);
    });

    it('rejects a key in use', async () => {
      const { engine, lead } = setup;
      const creating = engine.drafts.create({ key: 'onboarding', name: 'Again' }, lead.id);

      await expect(creating).rejects.toThrow(InvalidRequestError);
      await expect(creating).rejects.toThrow(/"onboarding" already exists/);
    });

    it('rejects an invalid key', async () => {
      const { engine, lead } = setup;
      await expect(engine.drafts.create({ key: 'Bad Key', name: 'x' }, lead.id)).rejects.toThrow(
        /lowercase/,
      );
    });
  });

  describe('get', () => {
    it('falls back to the latest version at revision 0', async () => {
      const draft = await setup.engine.drafts.get('onboarding');

      expect(draft.revision).toBe(0);
      expect(draft.definition.milestones).toHaveLength(4);
      expect(draft.latest?.version).toBe(1);
    });

    it('raises NotFoundError for an unknown key', async () => {
      await expect(setup.engine.drafts.get('nope')).rejects.toThrow(NotFoundError);
    });
  });

  describe('save', () => {
    it('increments the revision', async () => {
      const { engine, lead } = setup;
      await engine.drafts.create({ key: 'renewal', name: 'Renewal' }, lead.id);

      const saved = await engine.drafts.save('renewal', renewal, 1, lead.id);
      const draft = await engine.drafts.get('renewal');

      expect(saved.revision).toBe(2);
      expect(draft.revision).toBe(2);
      expect(draft.definition.milestones).toHaveLength(2);
    });

    it('creates the draft row of a published workflow', async () => {
      const { engine, lead } = setup;
      const saved = await engine.drafts.save(
        'onboarding',
        { ...forkJoin, name: 'Onboarding 2' },
        0,
        lead.id,
      );

      expect(saved.revision).toBe(1);
      expect((await engine.drafts.get('onboarding')).definition.name).toBe('Onboarding 2');
    });

    it('rejects a save based on an old revision', async () => {
      const { engine, lead, csm } = setup;
      await engine.drafts.create({ key: 'renewal', name: 'Renewal' }, lead.id);
      await engine.drafts.save('renewal', renewal, 1, csm.id);

      const error = await engine.drafts
        .save('renewal', { ...renewal, name: 'Mine' }, 1, lead.id)
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(DraftConflictError);
      expect((error as DraftConflictError).currentRevision).toBe(2);
      expect((error as DraftConflictError).baseRevision).toBe(1);
      expect((error as DraftConflictError).updatedBy).toEqual({ id: csm.id, name: 'Casey CSM' });
      expect((error as Error).message).toMatch(/saved by Casey CSM \(revision 2\)/);
      expect((await engine.drafts.get('renewal')).definition.name).toBe('Renewal');
    });

    it('keeps the key of the workflow', async () => {
      const { engine, lead } = setup;
      await engine.drafts.create({ key: 'renewal', name: 'Renewal' }, lead.id);
      await engine.drafts.save('renewal', { ...renewal, key: 'other' }, 1, lead.id);

      expect((await engine.drafts.get('renewal')).definition.key).toBe('renewal');
    });

    it('accepts a draft with problems and lists them', async () => {
      const { engine, lead } = setup;
      await engine.drafts.create({ key: 'renewal', name: 'Renewal' }, lead.id);
      const cyclic = {
        ...renewal,
        dependencies: [...renewal.dependencies!, { from: 'offer', to: 'review' }],
      };
      await engine.drafts.save('renewal', cyclic, 1, lead.id);

      const draft = await engine.drafts.get('renewal');
      expect(draft.problems.map((problem) => problem.code)).toEqual(['cycle']);
    });

    it('rejects edits of an archived workflow', async () => {
      const { engine, lead } = setup;
      await engine.drafts.create({ key: 'renewal', name: 'Renewal' }, lead.id);
      await engine.drafts.archive('renewal');

      await expect(engine.drafts.save('renewal', renewal, 1, lead.id)).rejects.toThrow(/archived/);
    });
  });

  describe('rename', () => {
    it('renames the workflow and its draft', async () => {
      const { engine, lead } = setup;
      const saved = await engine.drafts.rename('onboarding', '  New onboarding ', lead.id);
      const list = await engine.drafts.list();

      expect(saved.revision).toBe(1);
      expect((await engine.drafts.get('onboarding')).definition.name).toBe('New onboarding');
      expect(list.find((entry) => entry.key === 'onboarding')?.name).toBe('New onboarding');
    });

    it('rejects an empty name', async () => {
      await expect(setup.engine.drafts.rename('onboarding', ' ', setup.lead.id)).rejects.toThrow(
        /empty/,
      );
    });
  });

  describe('duplicate', () => {
    it('copies the draft under a new key', async () => {
      const { engine, lead } = setup;
      const copy = await engine.drafts.duplicate('onboarding', 'onboarding-eu', lead.id);

      expect(copy.key).toBe('onboarding-eu');
      expect(copy.revision).toBe(1);
      expect(copy.definition.name).toBe('Copy of Onboarding');
      expect(copy.definition.milestones).toHaveLength(4);
      expect(copy.latest).toBeNull();
    });

    it('rejects a new key in use', async () => {
      const { engine, lead } = setup;
      await engine.drafts.create({ key: 'renewal', name: 'Renewal' }, lead.id);

      await expect(engine.drafts.duplicate('onboarding', 'renewal', lead.id)).rejects.toThrow(
        /already exists/,
      );
    });
  });

  describe('archive', () => {
    it('hides the workflow from the list until restored', async () => {
      const { engine } = setup;
      await engine.drafts.archive('onboarding');

      expect(await engine.drafts.list()).toEqual([]);
      const all = await engine.drafts.list({ includeArchived: true });
      expect(all[0]?.archivedAt).toBe(setup.clock.now());

      await engine.drafts.restore('onboarding');
      expect(await engine.drafts.list()).toHaveLength(1);
    });

    it('raises NotFoundError for an unknown key', async () => {
      await expect(setup.engine.drafts.archive('nope')).rejects.toThrow(NotFoundError);
    });
  });

  describe('publish', () => {
    it('publishes the draft as the next version', async () => {
      const { engine, lead, clock } = setup;
      await engine.drafts.save('onboarding', { ...forkJoin, name: 'Onboarding v2' }, 0, lead.id);
      clock.advance(DAY);

      const published = await engine.drafts.publish('onboarding', lead.id);

      expect(published.created).toBe(true);
      expect(published.version.version).toBe(2);
      expect(published.version.definition.name).toBe('Onboarding v2');
      expect(published.version.publishedAt).toBe(clock.now());
    });

    it('makes no version when nothing changed', async () => {
      const { engine, lead } = setup;
      const published = await engine.drafts.publish('onboarding', lead.id);

      expect(published.created).toBe(false);
      expect(published.version.version).toBe(1);
    });

    it('raises DefinitionError for an invalid draft', async () => {
      const { engine, lead } = setup;
      await engine.drafts.create({ key: 'qbr', name: 'QBR' }, lead.id);

      const error = await engine.drafts.publish('qbr', lead.id).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(DefinitionError);
      expect((error as DefinitionError).problems.map((problem) => problem.code)).toEqual([
        'empty_workflow',
      ]);
    });

    it('rejects a draft changed since the expected revision', async () => {
      const { engine, lead } = setup;
      await engine.drafts.create({ key: 'renewal', name: 'Renewal', definition: renewal }, lead.id);
      await engine.drafts.save('renewal', renewal, 1, lead.id);

      await expect(engine.drafts.publish('renewal', lead.id, 1)).rejects.toThrow(
        DraftConflictError,
      );
    });
  });

  describe('list', () => {
    it('shows drafts and versions with who changed them', async () => {
      const { engine, lead, csm, clock } = setup;
      clock.advance(DAY);
      await engine.drafts.save('onboarding', { ...forkJoin, name: 'Onboarding 2' }, 0, csm.id);
      await engine.drafts.create({ key: 'renewal', name: 'Renewal', definition: renewal }, lead.id);

      const list = await engine.drafts.list();
      const onboarding = list.find((entry) => entry.key === 'onboarding');
      const created = list.find((entry) => entry.key === 'renewal');

      expect(list.map((entry) => entry.key)).toEqual(['onboarding', 'renewal']);
      expect(onboarding?.latest).toMatchObject({ version: 1, publishedBy: { name: 'Lee Lead' } });
      expect(onboarding?.draft).toMatchObject({
        revision: 1,
        updatedAt: clock.now(),
        updatedBy: { name: 'Casey CSM' },
        milestoneCount: 4,
        problemCount: 0,
        unpublishedChanges: true,
      });
      expect(onboarding?.versionCount).toBe(1);
      expect(created?.latest).toBeNull();
      expect(created?.draft?.unpublishedChanges).toBe(true);
    });

    it('marks a published draft as unchanged', async () => {
      const { engine, lead } = setup;
      await engine.drafts.save('onboarding', parseDefinition(forkJoin), 0, lead.id);

      const [entry] = await engine.drafts.list();
      expect(entry?.draft?.unpublishedChanges).toBe(false);
    });

    it('lists versions newest first', async () => {
      const { engine, lead } = setup;
      await engine.drafts.save('onboarding', { ...forkJoin, name: 'Two' }, 0, lead.id);
      await engine.drafts.publish('onboarding', lead.id);

      const versions = await engine.drafts.versions('onboarding');
      expect(versions.map((entry) => entry.version)).toEqual([2, 1]);
      expect(versions[0]?.publishedBy?.name).toBe('Lee Lead');
      expect(versions[0]?.milestoneCount).toBe(4);
    });
  });
});
