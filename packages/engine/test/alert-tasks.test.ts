import type { Database } from '@milepost/db';
import { describeEachDialect } from '@milepost/db/testing';
import { AlertType, type PlaybookInput } from '@milepost/model';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { raiseAlerts } from '../src/alerts/raise.ts';
import { alertTaskReport } from '../src/reports/alert-tasks.ts';
import {
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  sendDigests,
  type Mailer,
} from '../src/index.ts';
import { account, DAY, setUpEngine, START } from './helpers.ts';

const HOUR = 3_600_000;

const usageDrop = AlertType.parse({
  key: 'usage-drop',
  name: 'Usage drop',
  severity: 'high',
  rule: {
    kind: 'change',
    metric: 'usage_count',
    window: { calendar: 'week' },
    minBaseline: 20,
    maxRatio: 0.8,
  },
  responseHours: 48,
  playbook: 'win-back',
});

const winBack: PlaybookInput = {
  key: 'win-back',
  name: 'Win back',
  overview: {
    type: 'doc',
    content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Call them.' }] }],
  },
  steps: [
    {
      id: 'call',
      title: 'Call the sponsor',
      guidance: {
        type: 'doc',
        content: [
          {
            type: 'paragraph',
            content: [
              {
                type: 'text',
                text: 'Script',
                marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }],
              },
              { type: 'text', text: ' and <img src=x onerror=alert(1)>' },
            ],
          },
        ],
      },
    },
    { id: 'offer', title: 'Offer training' },
    { id: 'log', title: 'Log the outcome' },
  ],
  offers: [{ title: 'Discount', limit: 'At most 10%' }],
  links: [{ title: 'Guide', url: 'https://example.com/guide' }],
};

describeEachDialect('alert tasks', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;
  let otherCsm: { id: string };

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
    otherCsm = await setup.engine.users.upsert({
      email: 'other@example.com',
      name: 'Olive Other',
      role: 'csm',
    });
    await setup.engine.accounts.upsert([
      account('a1', setup.csm.id),
      account('a2', otherCsm.id, { segment: 'Enterprise' } as never),
    ]);
    await insertAlertType();
    await insertPlaybookVersion(winBack);
  });
  afterEach(async () => {
    await database.close();
  });

  async function insertAlertType() {
    await database.db
      .insertInto('alert_types')
      .values({
        key: usageDrop.key,
        name: usageDrop.name,
        definition_json: JSON.stringify(usageDrop),
        enabled: 1,
        created_at: START,
        updated_at: START,
      })
      .execute();
  }

  async function insertPlaybookVersion(playbook: PlaybookInput) {
    await database.db
      .insertInto('playbooks')
      .values({ key: playbook.key, name: playbook.name, created_at: START, updated_at: START })
      .execute();
    await database.db
      .insertInto('playbook_versions')
      .values({
        playbook_key: playbook.key,
        version: 1,
        document_json: JSON.stringify(playbook),
        content_hash: 'test',
        published_by: setup.lead.id,
        published_at: START,
      })
      .execute();
  }

  /** Raises the usage-drop alert for accounts at the clock's time; returns their ids in order. */
  async function raise(accountIds: string[], firedOn = '2025-03-03'): Promise<number[]> {
    const now = setup.clock.now();
    const result = await database.db.transaction().execute((trx) =>
      raiseAlerts(
        trx,
        {
          type: usageDrop,
          firedOn,
          candidates: accountIds.map((accountId) => ({
            accountId,
            detail: { previous: 40, latest: 10 },
          })),
        },
        now,
      ),
    );
    return result.alertIds;
  }

  async function events(alertId: number) {
    const rows = await database.db
      .selectFrom('alert_events')
      .select(['kind', 'user_id', 'detail'])
      .where('alert_id', '=', alertId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      kind: row.kind,
      userId: row.user_id,
      detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
    }));
  }

  async function alertRow(alertId: number) {
    return database.db
      .selectFrom('alerts')
      .selectAll()
      .where('id', '=', alertId)
      .executeTakeFirstOrThrow();
  }

  describe('list and get', () => {
    it('lists alert tasks with names and step counts', async () => {
      const [first] = await raise(['a1', 'a2']);
      await setup.engine.alertTasks.tickStep(first!, 'call', true, setup.csm.id);

      const mine = await setup.engine.alertTasks.list({ ownerId: setup.csm.id });
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        id: first,
        typeKey: 'usage-drop',
        typeName: 'Usage drop',
        severity: 'high',
        accountId: 'a1',
        accountName: 'Account a1',
        ownerName: 'Casey CSM',
        status: 'open',
        firedOn: '2025-03-03',
        dueAt: START + 48 * HOUR,
        overdue: false,
        steps: { done: 1, total: 3 },
      });

      const all = await setup.engine.alertTasks.list({ status: ['open'] });
      expect(all.map((task) => task.accountId).sort()).toEqual(['a1', 'a2']);
      const byAccount = await setup.engine.alertTasks.list({ accountId: 'a2' });
      expect(byAccount.map((task) => task.accountId)).toEqual(['a2']);
    });

    it('reads steps as sanitized HTML with the playbook', async () => {
      const [id] = await raise(['a1']);
      const task = await setup.engine.alertTasks.get(id!, setup.csm.id);

      expect(task.stepList.map((step) => step.id)).toEqual(['call', 'offer', 'log']);
      const guidance = task.stepList[0]!.guidanceHtml;
      expect(guidance).toContain('Script');
      expect(guidance).not.toContain('javascript:');
      expect(guidance).not.toMatch(/<img/i);
      expect(guidance).toContain('&lt;img');
      expect(task.detail).toEqual({ previous: 40, latest: 10 });
      expect(task.rule).toEqual(usageDrop.rule);
      expect(task.playbook?.key).toBe('win-back');
      expect(task.playbook?.version).toBe(1);
      expect(task.playbook?.offers[0]?.limit).toBe('At most 10%');
      expect(task.playbook?.links[0]?.url).toBe('https://example.com/guide');
      expect(task.events.map((event) => event.kind)).toEqual(['raised']);
    });

    it('rejects an unknown alert', async () => {
      await expect(setup.engine.alertTasks.get(999)).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('tick, close and dismiss', () => {
    it('ticks and unticks a step with events', async () => {
      const [id] = await raise(['a1']);
      setup.clock.set(START + HOUR);
      await setup.engine.alertTasks.tickStep(id!, 'offer', true, setup.csm.id);
      await setup.engine.alertTasks.tickStep(id!, 'offer', false, setup.csm.id);
      await setup.engine.alertTasks.tickStep(id!, 'call', true, setup.csm.id);

      const task = await setup.engine.alertTasks.get(id!);
      expect(task.stepList.map((step) => step.done)).toEqual([true, false, false]);
      expect(task.stepList[0]!.doneAt).toBe(START + HOUR);
      expect(task.stepList[0]!.doneBy).toBe(setup.csm.id);
      expect((await events(id!)).slice(1)).toEqual([
        { kind: 'step', userId: setup.csm.id, detail: { stepId: 'offer', done: true } },
        { kind: 'step', userId: setup.csm.id, detail: { stepId: 'offer', done: false } },
        { kind: 'step', userId: setup.csm.id, detail: { stepId: 'call', done: true } },
      ]);
    });

    it('rejects an unknown step and writes nothing', async () => {
      const [id] = await raise(['a1']);
      await expect(
        setup.engine.alertTasks.tickStep(id!, 'nope', true, setup.csm.id),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect(await events(id!)).toHaveLength(1);
    });

    it('closes with an outcome and records the steps done', async () => {
      const [id] = await raise(['a1']);
      await setup.engine.alertTasks.tickStep(id!, 'call', true, setup.csm.id);
      setup.clock.set(START + 2 * DAY);
      await setup.engine.alertTasks.close(id!, 'resolved', ' Booked a training. ', setup.csm.id);

      const row = await alertRow(id!);
      expect(row.status).toBe('closed');
      expect(row.outcome).toBe('resolved');
      expect(row.note).toBe('Booked a training.');
      expect(Number(row.closed_at)).toBe(START + 2 * DAY);
      expect(row.closed_by).toBe(setup.csm.id);
      const closed = (await events(id!)).at(-1);
      expect(closed?.kind).toBe('closed');
      expect(closed?.detail).toEqual({
        outcome: 'resolved',
        note: 'Booked a training.',
        stepsDone: ['call'],
        stepsOpen: ['offer', 'log'],
      });
    });

    it('rejects an unknown outcome', async () => {
      const [id] = await raise(['a1']);
      await expect(
        setup.engine.alertTasks.close(id!, 'fixed' as never, '', setup.csm.id),
      ).rejects.toThrow(/Invalid outcome "fixed". Use one of resolved/);
      expect((await alertRow(id!)).status).toBe('open');
    });

    it('rejects changes to a closed alert', async () => {
      const [id] = await raise(['a1']);
      await setup.engine.alertTasks.close(id!, 'no_action_needed', '', setup.csm.id);
      const tasks = setup.engine.alertTasks;
      const attempts = [
        () => tasks.tickStep(id!, 'call', true, setup.csm.id),
        () => tasks.close(id!, 'resolved', '', setup.csm.id),
        () => tasks.dismiss(id!, 'noise', setup.csm.id),
        () => tasks.snooze(id!, START + DAY, setup.csm.id),
      ];
      for (const attempt of attempts) {
        await expect(attempt()).rejects.toThrow(
          `Alert ${id} is closed and takes no further changes`,
        );
      }
      expect((await events(id!)).map((event) => event.kind)).toEqual(['raised', 'closed']);
    });

    it('dismisses with a reason', async () => {
      const [id] = await raise(['a1']);
      await expect(setup.engine.alertTasks.dismiss(id!, '  ', setup.csm.id)).rejects.toThrow(
        /Give a reason to dismiss alert/,
      );
      await setup.engine.alertTasks.dismiss(id!, 'Seasonal dip', setup.csm.id);

      const row = await alertRow(id!);
      expect(row.status).toBe('dismissed');
      expect(row.note).toBe('Seasonal dip');
      expect((await events(id!)).at(-1)).toEqual({
        kind: 'dismissed',
        userId: setup.csm.id,
        detail: { reason: 'Seasonal dip' },
      });
      await expect(
        setup.engine.alertTasks.tickStep(id!, 'call', true, setup.csm.id),
      ).rejects.toBeInstanceOf(InvalidRequestError);
    });
  });

  describe('permissions', () => {
    it('lets only the owner, leads and admins act', async () => {
      const [id] = await raise(['a1']);
      const tasks = setup.engine.alertTasks;

      await expect(tasks.get(id!, otherCsm.id)).rejects.toBeInstanceOf(ForbiddenError);
      await expect(tasks.tickStep(id!, 'call', true, otherCsm.id)).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      await expect(tasks.close(id!, 'resolved', '', otherCsm.id)).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      await expect(tasks.dismiss(id!, 'noise', otherCsm.id)).rejects.toBeInstanceOf(ForbiddenError);
      await expect(tasks.snooze(id!, START + DAY, otherCsm.id)).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      expect(await events(id!)).toHaveLength(1);

      await tasks.tickStep(id!, 'call', true, setup.lead.id);
      const admin = await setup.engine.users.upsert({
        email: 'admin@example.com',
        name: 'Ada Admin',
        role: 'admin',
      });
      await tasks.close(id!, 'escalated', '', admin.id);
      expect((await alertRow(id!)).closed_by).toBe(admin.id);
    });
  });

  describe('notifications', () => {
    async function notificationsOf(alertId: number) {
      return database.db
        .selectFrom('notifications')
        .select(['user_id', 'kind', 'alert_id'])
        .where('alert_id', '=', alertId)
        .execute();
    }

    it('notifies the owner once per alert', async () => {
      const [first, second] = await raise(['a1', 'a2']);
      expect(await raise(['a1', 'a2'])).toEqual([]);

      const mine = await setup.engine.notifications.list(setup.csm.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({
        kind: 'alert',
        alertId: first,
        instanceId: null,
        milestoneId: null,
        message: 'New alert: Usage drop for Account a1.',
        createdAt: START,
        read: false,
      });
      const theirs = await setup.engine.notifications.list(otherCsm.id);
      expect(theirs.map((note) => note.alertId)).toEqual([second]);
      expect(await setup.engine.notifications.unreadCount(setup.csm.id)).toBe(1);
    });

    it('notifies nobody for an unowned account', async () => {
      await setup.engine.accounts.upsert([account('a3', null)]);
      const [id] = await raise(['a3']);

      expect((await alertRow(id!)).owner_id).toBeNull();
      expect(await notificationsOf(id!)).toEqual([]);
    });

    it('writes no notification when the raise rolls back', async () => {
      const failure = new Error('rolled back on purpose');
      const attempt = database.db.transaction().execute(async (trx) => {
        await raiseAlerts(
          trx,
          { type: usageDrop, firedOn: '2025-03-03', candidates: [{ accountId: 'a1', detail: {} }] },
          setup.clock.now(),
        );
        throw failure;
      });

      await expect(attempt).rejects.toBe(failure);
      expect(await setup.engine.notifications.list(setup.csm.id)).toEqual([]);
      expect(await setup.engine.alertTasks.list({ accountId: 'a1' })).toEqual([]);
    });

    it('lists open alert tasks in the daily digest', async () => {
      const [id] = await raise(['a1', 'a2']);
      await setup.engine.setDailyDigest(setup.csm.id, true);
      const sent: Parameters<Mailer['send']>[0][] = [];
      const mailer: Mailer = {
        send: async (message) => {
          sent.push(message);
        },
      };

      // Due at 09:00 on 5 March: due today at 07:00 that day, overdue the next morning, and
      // left out once snoozed.
      setup.clock.set(START + 46 * HOUR);
      await sendDigests(database, setup.engine.queries, setup.clock, mailer);
      setup.clock.set(START + 70 * HOUR);
      await sendDigests(database, setup.engine.queries, setup.clock, mailer);
      await setup.engine.alertTasks.snooze(id!, START + 100 * HOUR, setup.csm.id);
      await sendDigests(database, setup.engine.queries, setup.clock, mailer);

      expect(sent).toHaveLength(2);
      expect(sent[0]?.to).toBe('csm@example.com');
      expect(sent[0]?.subject).toBe('Milepost: 0 overdue, 1 due today, 1 open');
      expect(sent[0]?.text).toContain('- Usage drop (alert) for Account a1, due 2025-03-05');
      expect(sent[0]?.html).toContain('<li>Usage drop (alert) for Account a1, due 2025-03-05</li>');
      expect(sent[1]?.subject).toBe('Milepost: 1 overdue, 0 due today, 1 open');
    });
  });

  describe('overdue', () => {
    it('marks an open alert overdue once and notifies the owner', async () => {
      const [id] = await raise(['a1']);

      setup.clock.set(START + 47 * HOUR);
      expect((await setup.engine.scheduler.tick()).alertsOverdue).toBe(0);
      setup.clock.set(START + 48 * HOUR);
      expect((await setup.engine.scheduler.tick()).alertsOverdue).toBe(1);
      setup.clock.set(START + 60 * HOUR);
      expect((await setup.engine.scheduler.tick()).alertsOverdue).toBe(0);

      expect(Number((await alertRow(id!)).overdue_at)).toBe(START + 48 * HOUR);
      const overdueEvents = (await events(id!)).filter((event) => event.kind === 'overdue');
      expect(overdueEvents).toEqual([
        { kind: 'overdue', userId: null, detail: { dueAt: START + 48 * HOUR } },
      ]);
      const notes = await setup.engine.notifications.list(setup.csm.id);
      expect(notes.map((note) => note.message)).toEqual([
        'Overdue alert: Usage drop for Account a1.',
        'New alert: Usage drop for Account a1.',
      ]);
      expect(notes[0]).toMatchObject({
        kind: 'overdue',
        alertId: id,
        instanceId: null,
        milestoneId: null,
        createdAt: START + 48 * HOUR,
      });
      const [task] = await setup.engine.alertTasks.list({ ownerId: setup.csm.id });
      expect(task?.overdue).toBe(true);
    });

    it('leaves a closed alert alone at its due time', async () => {
      const [id] = await raise(['a1']);
      await setup.engine.alertTasks.close(id!, 'resolved', '', setup.csm.id);
      setup.clock.set(START + 49 * HOUR);
      expect((await setup.engine.scheduler.tick()).alertsOverdue).toBe(0);
      expect((await alertRow(id!)).overdue_at).toBeNull();
    });
  });

  describe('report', () => {
    it('counts alert tasks by type and owner', async () => {
      const [a1, a2] = await raise(['a1', 'a2']);
      setup.clock.set(START + 3 * DAY);
      await setup.engine.alertTasks.close(a1!, 'resolved', '', setup.csm.id);
      await setup.engine.alertTasks.dismiss(a2!, 'noise', otherCsm.id);

      const report = await alertTaskReport(database, {});
      expect(report).toMatchObject({ opened: 2, closed: 1, dismissed: 1, medianDaysToClose: 3 });
      expect(report.byType).toEqual([
        {
          key: 'usage-drop',
          label: 'Usage drop',
          opened: 2,
          closed: 1,
          dismissed: 1,
          medianDaysToClose: 3,
        },
      ]);
      const byOwner = Object.fromEntries(report.byOwner.map((row) => [row.label, row]));
      expect(byOwner['Casey CSM']).toMatchObject({ opened: 1, closed: 1, medianDaysToClose: 3 });
      expect(byOwner['Olive Other']).toMatchObject({ opened: 1, dismissed: 1 });
      expect(byOwner['Olive Other']?.medianDaysToClose).toBeNull();

      const enterprise = await alertTaskReport(database, { segment: 'Enterprise' });
      expect(enterprise.opened).toBe(1);
      const later = await alertTaskReport(database, { from: '2025-03-04' });
      expect(later.opened).toBe(0);
      expect(later.medianDaysToClose).toBeNull();
    });

    it('takes the nearest-rank median', async () => {
      const accountIds = ['b1', 'b2', 'b3', 'b4'];
      await setup.engine.accounts.upsert(accountIds.map((id) => account(id, setup.csm.id)));
      const ids = await raise(accountIds);
      // Closed after 1, 2, 4 and 8 days: rank ceil(4 / 2) = 2 gives 2 days.
      for (const [index, days] of [1, 2, 4, 8].entries()) {
        setup.clock.set(START + days * DAY);
        await setup.engine.alertTasks.close(ids[index]!, 'resolved', '', setup.csm.id);
      }
      expect((await alertTaskReport(database, {})).medianDaysToClose).toBe(2);
    });
  });
});

describeEachDialect('alert task snooze', (dialect) => {
  let database: Database;
  let setup: Awaited<ReturnType<typeof setUpEngine>>;

  beforeEach(async () => {
    database = await dialect.create({ migrate: false });
    setup = await setUpEngine(database);
    await setup.engine.accounts.upsert([account('a1', setup.csm.id)]);
    await database.db
      .insertInto('alert_types')
      .values({
        key: usageDrop.key,
        name: usageDrop.name,
        definition_json: JSON.stringify({ ...usageDrop, playbook: undefined }),
        enabled: 1,
        created_at: START,
        updated_at: START,
      })
      .execute();
  });
  afterEach(async () => {
    await database.close();
  });

  async function raiseOne(): Promise<number> {
    const type = { ...usageDrop, playbook: undefined };
    const result = await database.db
      .transaction()
      .execute((trx) =>
        raiseAlerts(
          trx,
          { type, firedOn: '2025-03-03', candidates: [{ accountId: 'a1', detail: {} }] },
          setup.clock.now(),
        ),
      );
    return result.alertIds[0]!;
  }

  async function tickAt(at: number) {
    setup.clock.set(at);
    return setup.engine.scheduler.tick();
  }

  async function eventKinds(alertId: number) {
    const rows = await database.db
      .selectFrom('alert_events')
      .select('kind')
      .where('alert_id', '=', alertId)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.kind);
  }

  it('hides the task until it wakes, then reopens it', async () => {
    const id = await raiseOne();
    const until = START + 3 * DAY;
    const { dueAt } = await setup.engine.alertTasks.snooze(id, until, setup.csm.id);
    // The owner gets the full 48 response hours after the alert wakes.
    expect(dueAt).toBe(until + 48 * HOUR);

    const open = () => setup.engine.alertTasks.list({ ownerId: setup.csm.id, status: ['open'] });
    expect(await open()).toEqual([]);
    const [snoozed] = await setup.engine.alertTasks.list({ ownerId: setup.csm.id });
    expect(snoozed).toMatchObject({ status: 'snoozed', snoozedUntil: until, dueAt });

    // The original due time passes while snoozed: nothing is marked, nothing wakes.
    const before = await tickAt(START + 2 * DAY);
    expect(before.alertsWoken).toBe(0);
    expect(before.alertsOverdue).toBe(0);
    expect(await open()).toEqual([]);

    const woken = await tickAt(until);
    expect(woken.alertsWoken).toBe(1);
    const [reopened] = await open();
    expect(reopened).toMatchObject({ id, status: 'open', snoozedUntil: null, overdue: false });
    expect(await eventKinds(id)).toEqual(['raised', 'snoozed', 'woken']);

    expect((await tickAt(until + HOUR)).alertsWoken).toBe(0);
    expect((await tickAt(dueAt)).alertsOverdue).toBe(1);
    expect(await eventKinds(id)).toEqual(['raised', 'snoozed', 'woken', 'overdue']);
  });

  it('keeps a later due date when snoozed briefly', async () => {
    const id = await raiseOne();
    const { dueAt } = await setup.engine.alertTasks.snooze(id, START + HOUR, setup.csm.id);
    expect(dueAt).toBe(START + 49 * HOUR);
    const second = await setup.engine.alertTasks.snooze(id, START + 30 * 60_000, setup.csm.id);
    expect(second.dueAt).toBe(START + 49 * HOUR);
  });

  it('rejects a snooze in the past', async () => {
    const id = await raiseOne();
    await expect(setup.engine.alertTasks.snooze(id, START - DAY, setup.csm.id)).rejects.toThrow(
      /Snooze alert \d+ until a time after now/,
    );
    expect(await eventKinds(id)).toEqual(['raised']);
  });

  it('can be closed while snoozed and then never wakes', async () => {
    const id = await raiseOne();
    await setup.engine.alertTasks.snooze(id, START + DAY, setup.csm.id);
    await setup.engine.alertTasks.close(id, 'customer_unreachable', '', setup.csm.id);
    expect((await tickAt(START + 2 * DAY)).alertsWoken).toBe(0);
    expect(await eventKinds(id)).toEqual(['raised', 'snoozed', 'closed']);
  });
});
