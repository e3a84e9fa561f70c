import { Role } from '@milepost/model';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';

export interface DeployOptions extends GlobalOptions {
  all?: boolean;
  account?: string[];
}

/** `deploy WORKFLOW_KEY --all | --account ID...`: starts the latest published version. */
export async function deployCommand(key: string, options: DeployOptions): Promise<void> {
  if (!options.all && !options.account?.length) {
    throw new CliError('Name the accounts to deploy to: --all, or --account ID (repeatable).');
  }
  const summary = await withEngine(options, async (engine) => {
    const version = await engine.workflows.latest(key);
    const accountIds = options.all ? await engine.accounts.ids() : options.account!;
    const result = await engine.instances.deploy(version.id, accountIds, { userId: null });
    return {
      workflow: key,
      version: version.version,
      started: result.started.length,
      skipped: result.skipped,
    };
  });
  output(options, summary, () => [
    `Started ${summary.started} instance(s) of ${key} version ${summary.version}.`,
    ...summary.skipped.map(({ accountId, reason }) => `  skipped ${accountId}: ${reason}`),
  ]);
}

/** `report durations WORKFLOW_KEY`: per-milestone durations against targets. */
export async function durationsCommand(
  key: string,
  options: GlobalOptions & { version?: string },
): Promise<void> {
  const version = options.version === undefined ? undefined : Number(options.version);
  if (version !== undefined && !(Number.isInteger(version) && version > 0)) {
    throw new CliError(`Invalid --version "${options.version}": use a version number such as 1.`);
  }
  const report = await withEngine(options, (engine) => engine.durationReport(key, version));
  const fixed = (value: number | null, digits = 1) =>
    value === null ? '-' : value.toFixed(digits);
  const empty = report.milestones.every((m) => m.count === 0);
  output(options, report, () => [
    `${report.workflowKey} version ${report.version} (days; percentiles by the ${report.percentileMethod} method)`,
    ['milestone', 'count', 'median', 'p90', 'target', 'deviation', 'on time'].join('\t'),
    ...report.milestones.map((m) =>
      [
        m.milestoneId,
        m.count,
        fixed(m.medianDays),
        fixed(m.p90Days),
        m.targetDays,
        fixed(m.meanDeviationDays),
        m.onTimeShare === null ? '-' : `${Math.round(m.onTimeShare * 100)}%`,
      ].join('\t'),
    ),
    ...(empty && report.version > 1
      ? [
          `No milestone of version ${report.version} is done yet; earlier versions: --version 1 to ${report.version - 1}.`,
        ]
      : []),
  ]);
}

/** Reads a password from `MILEPOST_PASSWORD` or from piped standard input, never an argument. */
async function readPassword(): Promise<string> {
  const fromEnv = process.env.MILEPOST_PASSWORD;
  if (fromEnv) return fromEnv;
  if (process.stdin.isTTY) {
    throw new CliError(
      'Give the password on standard input (echo ... | milepost user add) or in MILEPOST_PASSWORD.',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const password = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (!password) throw new CliError('The password on standard input is empty.');
  return password;
}

/** `user add EMAIL --role ROLE`: adds a user, or updates one with the same email. */
export async function addUserCommand(
  email: string,
  options: GlobalOptions & { role: string; name?: string },
): Promise<void> {
  const role = Role.safeParse(options.role);
  if (!role.success) {
    throw new CliError(`Invalid --role "${options.role}": use admin, lead or csm.`);
  }
  const password = await readPassword();
  const name = options.name ?? email.split('@')[0]!;
  const user = await withEngine(options, (engine) =>
    engine.users.upsert({ email, name, role: role.data, password }),
  );
  output(options, user, () => [`User ${user.email} (${user.role}) is ready to sign in.`]);
}

/** `migrate`: applies pending migrations. */
export async function migrateCommand(options: GlobalOptions): Promise<void> {
  const { openEngine } = await import('../runtime.ts');
  const { applied, close } = await openEngine(options);
  await close();
  output(options, { applied }, () => [
    applied.length > 0 ? `Applied ${applied.join(', ')}.` : 'The database is up to date.',
  ]);
}
