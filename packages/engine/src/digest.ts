import type { Database } from '@milepost/db';
import { DAY_MS, msToDate } from '@milepost/model';
import type { Clock } from './clock.ts';
import type { Queries, Task } from './queries.ts';

/** Sends an email; the server provides one over SMTP. */
export interface Mailer {
  send(message: { to: string; subject: string; text: string; html: string }): Promise<void>;
}

/** An open alert task as the digest lists it. */
export interface DigestAlert {
  typeName: string;
  accountName: string;
  dueAt: number;
}

export interface DigestSummary {
  sent: number;
  failed: { email: string; error: string }[];
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/**
 * Writes one user's digest: overdue tasks, tasks due today, and how many are open, counting
 * workflow tasks and open alert tasks alike.
 */
export function composeDigest(
  name: string,
  tasks: readonly Task[],
  now: number,
  alerts: readonly DigestAlert[] = [],
) {
  const endOfToday = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const dated = [
    ...tasks.flatMap((t) =>
      t.dueAt === null
        ? []
        : [{ dueAt: t.dueAt, text: `${t.milestoneName} (${t.workflowName}) for ${t.accountName}` }],
    ),
    ...alerts.map((a) => ({ dueAt: a.dueAt, text: `${a.typeName} (alert) for ${a.accountName}` })),
  ].sort((a, b) => a.dueAt - b.dueAt);
  const overdue = dated.filter((t) => t.dueAt < now);
  const today = dated.filter((t) => t.dueAt >= now && t.dueAt < endOfToday);
  const line = (t: { dueAt: number; text: string }) => `${t.text}, due ${msToDate(t.dueAt)}`;
  const sections = [
    { title: `Overdue (${overdue.length})`, items: overdue.map(line) },
    { title: `Due today (${today.length})`, items: today.map(line) },
  ];
  const open = tasks.length + alerts.length;
  const subject = `Milepost: ${overdue.length} overdue, ${today.length} due today, ${open} open`;
  const text = [
    `Hello ${name},`,
    ...sections.flatMap((s) => ['', s.title, ...s.items.map((item) => `- ${item}`)]),
  ].join('\n');
  const html = [
    `<p>Hello ${escapeHtml(name)},</p>`,
    ...sections.map(
      (s) =>
        `<h3>${escapeHtml(s.title)}</h3><ul>${s.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`,
    ),
  ].join('');
  return { subject, text, html };
}

/** Sends the daily digest to every user who chose it and has open workflow or alert tasks. */
export async function sendDigests(
  database: Database,
  queries: Queries,
  clock: Clock,
  mailer: Mailer,
): Promise<DigestSummary> {
  const users = await database.db
    .selectFrom('users')
    .select(['id', 'email', 'name'])
    .where('daily_digest', '=', 1)
    .execute();
  const summary: DigestSummary = { sent: 0, failed: [] };
  for (const user of users) {
    const tasks = await queries.openTasks({ assigneeId: user.id });
    const alerts = await openAlerts(database, user.id);
    if (tasks.length === 0 && alerts.length === 0) continue;
    const message = composeDigest(user.name, tasks, clock.now(), alerts);
    try {
      await mailer.send({ to: user.email, ...message });
      summary.sent++;
    } catch (error) {
      summary.failed.push({ email: user.email, error: (error as Error).message });
    }
  }
  return summary;
}

/** Lists the open alert tasks a user owns, earliest due first. Snoozed ones wait for waking. */
async function openAlerts(database: Database, ownerId: string): Promise<DigestAlert[]> {
  const rows = await database.db
    .selectFrom('alerts as al')
    .innerJoin('accounts as a', 'a.id', 'al.account_id')
    .innerJoin('alert_types as t', 't.key', 'al.alert_type_key')
    .select(['al.due_at', 'a.name as account_name', 't.name as type_name'])
    .where('al.owner_id', '=', ownerId)
    .where('al.status', '=', 'open')
    .orderBy('al.due_at')
    .execute();
  return rows.map((row) => ({
    typeName: row.type_name,
    accountName: row.account_name,
    dueAt: Number(row.due_at),
  }));
}
