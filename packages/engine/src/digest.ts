import type { Database } from '@milepost/db';
import { DAY_MS, msToDate } from '@milepost/model';
import type { Clock } from './clock.ts';
import type { Queries, Task } from './queries.ts';

/** Sends an email; the server provides one over SMTP. */
export interface Mailer {
  send(message: { to: string; subject: string; text: string; html: string }): Promise<void>;
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

/** Writes one user's digest: overdue tasks, tasks due today, and how many are open. */
export function composeDigest(name: string, tasks: readonly Task[], now: number) {
  const endOfToday = Math.floor(now / DAY_MS) * DAY_MS + DAY_MS;
  const overdue = tasks.filter((t) => t.dueAt !== null && t.dueAt < now);
  const today = tasks.filter((t) => t.dueAt !== null && t.dueAt >= now && t.dueAt < endOfToday);
  const line = (t: Task) =>
    `${t.milestoneName} (${t.workflowName}) for ${t.accountName}, due ${msToDate(t.dueAt!)}`;
  const sections = [
    { title: `Overdue (${overdue.length})`, items: overdue.map(line) },
    { title: `Due today (${today.length})`, items: today.map(line) },
  ];
  const subject = `Milepost: ${overdue.length} overdue, ${today.length} due today, ${tasks.length} open`;
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

/** Sends the daily digest to every user who chose it and has open tasks. */
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
    if (tasks.length === 0) continue;
    const message = composeDigest(user.name, tasks, clock.now());
    try {
      await mailer.send({ to: user.email, ...message });
      summary.sent++;
    } catch (error) {
      summary.failed.push({ email: user.email, error: (error as Error).message });
    }
  }
  return summary;
}
