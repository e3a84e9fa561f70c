import { seedDemo, DEMO_PASSWORD } from '../../demo/seed.ts';
import { clockFrom, output, openEngine, type GlobalOptions } from '../runtime.ts';

/** `demo seed`: fills the database with the demo team, accounts, workflows and history. */
export async function seedCommand(
  options: GlobalOptions & { ifEmpty?: boolean; seed?: string },
): Promise<void> {
  const clock = clockFrom(options.clock);
  const { engine, close } = await openEngine(options, clock);
  try {
    if (options.ifEmpty && (await engine.users.list()).length > 0) {
      output(options, { seeded: false }, () => [
        'The database already has users; the demo seed is left out.',
      ]);
      return;
    }
    const summary = await seedDemo(engine.database, clock, Number(options.seed ?? 7));
    output(options, { seeded: true, ...summary }, () => [
      `Seeded ${summary.users} users, ${summary.accounts} accounts and ${summary.workflows.length} workflows.`,
      `Instances: ${Object.entries(summary.instances)
        .map(([key, n]) => `${key} ${n}`)
        .join(', ')}; ${summary.completed} completed.`,
      `Alerts: ${Object.entries(summary.alerts.raised)
        .map(([key, n]) => `${key} ${n}`)
        .join(', ')} raised over ${summary.alerts.metricPoints} usage points, ` +
        `${summary.alerts.open} open, ${summary.alerts.closed} closed, ${summary.alerts.dismissed} dismissed.`,
      `Sign in as morgan.ellis@example.com (lead), theo.brandt@example.com (admin) or jonah.park@example.com (CSM) with the password "${DEMO_PASSWORD}".`,
    ]);
  } finally {
    await close();
  }
}
