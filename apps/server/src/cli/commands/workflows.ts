import { validatePlaybook, type Engine } from '@milepost/engine';
import { z } from 'zod';
import {
  DeploymentRule,
  parseTeamFile,
  validateDefinition,
  type AlertType,
  type Playbook,
  type Problem,
  type WorkflowDefinition,
} from '@milepost/model';
import { jsonFilesUnder, readJsonFile } from '../files.ts';
import { applyAlertTypes, loadAlertTypeFile, missingPlaybooks } from './alerts.ts';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';
import { requireNoWarnings, rulesOf, simulate } from './simulate.ts';

function describeProblems(file: string, problems: Problem[]): string {
  const lines = problems.map((problem) => `  - [${problem.code}] ${problem.message}`);
  return `${file} is not a valid workflow definition:\n${lines.join('\n')}`;
}

/** `workflow validate FILE`: every problem of a definition file, or that it is valid. */
export function validateCommand(file: string, options: GlobalOptions): void {
  const result = validateDefinition(readJsonFile(file));
  if (!result.ok) {
    if (options.json) {
      process.stdout.write(
        `${JSON.stringify({ file, valid: false, problems: result.problems })}\n`,
      );
      process.exitCode = 1;
      return;
    }
    throw new CliError(describeProblems(file, result.problems));
  }
  const { key, milestones, dependencies } = result.definition;
  output(options, { file, valid: true, key, milestones: milestones.length, problems: [] }, () => [
    `${file}: valid workflow "${key}" with ${milestones.length} milestones and ${dependencies.length} dependencies.`,
  ]);
}

/** Reads the `rules` of a workflow file, when it has any. */
function loadRules(file: string, raw: unknown): DeploymentRule[] | undefined {
  if (raw === undefined) return undefined;
  const parsed = z.array(DeploymentRule).safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `  - rules.${i.path.join('.')}: ${i.message}`);
  throw new CliError(`${file} has invalid deployment rules:\n${lines.join('\n')}`);
}

export function loadDefinition(file: string): WorkflowDefinition {
  const result = validateDefinition(readJsonFile(file));
  if (!result.ok) throw new CliError(describeProblems(file, result.problems), result.problems);
  return result.definition;
}

/** `workflow publish FILE`: publishes the file as the workflow's next version if it changed. */
export async function publishCommand(
  file: string,
  options: GlobalOptions & { acceptWarnings?: boolean },
): Promise<void> {
  const definition = loadDefinition(file);
  const rules = rulesOf(file);
  const result = await withEngine(options, async (engine) => {
    const simulation = await simulate(engine, definition, rules ? { rules } : {});
    requireNoWarnings(file, simulation, options.acceptWarnings ?? false);
    return engine.workflows.publish(definition, null);
  });
  const { key, version } = result.version;
  output(options, { key, version, created: result.created }, () => [
    result.created
      ? `Published ${key} version ${version}.`
      : `${key} is unchanged since version ${version}; no new version.`,
  ]);
}

export interface ApplySummary {
  published: { key: string; version: number; created: boolean; file: string }[];
  users: number;
  rules: number;
  playbooks: { key: string; version: number; created: boolean; file: string }[];
  alertTypes: string[];
  ignored: string[];
}

/**
 * `apply PATH`: loads every team file (JSON with `users`) and publishes every workflow file
 * (JSON with `milestones`) and playbook file (JSON with `steps`) under PATH. All files are
 * checked first, so one invalid file leaves the database untouched.
 */
export async function applyCommand(
  path: string,
  options: GlobalOptions & { acceptWarnings?: boolean },
): Promise<void> {
  const summary = await applyPath(path, options.acceptWarnings ?? false, (work) =>
    withEngine(options, work),
  );
  printApplySummary(options, summary);
}

/**
 * Checks every file under `path`, then opens an engine with `open` and applies them: the work of
 * `apply PATH`, for commands that apply files on an engine of their own.
 */
export async function applyPath(
  path: string,
  acceptWarnings: boolean,
  open: (work: (engine: Engine) => Promise<ApplySummary>) => Promise<ApplySummary>,
): Promise<ApplySummary> {
  const definitions: { file: string; definition: WorkflowDefinition; rules?: DeploymentRule[] }[] =
    [];
  const teams: { file: string; team: ReturnType<typeof parseTeamFile> }[] = [];
  const alertTypes: { file: string; type: AlertType }[] = [];
  const playbooks: { file: string; playbook: Playbook }[] = [];
  // Keys of the playbook files in PATH, which alert types may name before they are stored.
  const playbookKeys = new Set<string>();
  const ignored: string[] = [];
  const failures: string[] = [];

  for (const file of jsonFilesUnder(path)) {
    const content = readJsonFile(file);
    const kind = content && typeof content === 'object' ? Object.keys(content) : [];
    const key = (content as { key?: unknown } | null)?.key;
    if (kind.includes('steps') && typeof key === 'string') playbookKeys.add(key);
    try {
      if (kind.includes('milestones')) {
        const rules = loadRules(file, (content as { rules?: unknown }).rules);
        definitions.push({ file, definition: loadDefinition(file), ...(rules ? { rules } : {}) });
      } else if (kind.includes('users')) teams.push({ file, team: parseTeamFile(content, file) });
      else if (kind.includes('steps')) {
        playbooks.push({ file, playbook: loadPlaybook(file, content) });
      } else if (kind.includes('rule')) {
        alertTypes.push({ file, type: loadAlertTypeFile(file, content) });
      } else ignored.push(file);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  failures.push(
    ...duplicateKeys('workflow', definitions, ({ definition }) => definition.key),
    ...duplicateKeys('playbook', playbooks, ({ playbook }) => playbook.key),
    ...duplicateKeys('alert type', alertTypes, ({ type }) => type.key),
  );
  if (failures.length > 0) {
    throw new CliError(
      `Nothing was applied, because ${failures.length} file(s) are invalid:\n${failures.join('\n')}`,
    );
  }

  return open(async (engine): Promise<ApplySummary> => {
    for (const { file, definition, rules } of definitions) {
      const simulation = await simulate(engine, definition, rules ? { rules } : {});
      requireNoWarnings(file, simulation, acceptWarnings);
    }
    const unknownPlaybooks = await missingPlaybooks(engine, alertTypes, playbookKeys);
    if (unknownPlaybooks.length > 0) {
      throw new CliError(`Nothing was applied:\n${unknownPlaybooks.join('\n')}`);
    }
    let users = 0;
    for (const { team } of teams) users += await applyTeam(engine, team);
    const published = [];
    let rules = 0;
    for (const { file, definition, rules: fileRules } of definitions) {
      const { version, created } = await engine.workflows.publish(definition, null);
      published.push({ key: version.key, version: version.version, created, file });
      // Rules belong to the workflow, so saving them makes no new version.
      if (fileRules) {
        await engine.rules.save(definition.key, fileRules);
        rules += fileRules.length;
      }
    }
    const appliedPlaybooks = [];
    for (const { file, playbook } of playbooks) {
      const { version, created } = await engine.playbooks.apply(playbook, null, file);
      appliedPlaybooks.push({ key: version.key, version: version.version, created, file });
    }
    // Alert types go last, after the playbooks they name.
    const savedAlertTypes = await applyAlertTypes(engine, alertTypes);
    return {
      published,
      users,
      rules,
      playbooks: appliedPlaybooks,
      alertTypes: savedAlertTypes,
      ignored,
    };
  });
}

/**
 * Lists the keys that two or more files of one kind share, because applying them in one run would
 * silently keep only the last file.
 */
function duplicateKeys<T extends { file: string }>(
  kind: string,
  entries: readonly T[],
  keyOf: (entry: T) => string,
): string[] {
  const files = new Map<string, string[]>();
  for (const entry of entries) {
    const key = keyOf(entry);
    files.set(key, [...(files.get(key) ?? []), entry.file]);
  }
  return [...files]
    .filter(([, list]) => list.length > 1)
    .map(
      ([key, list]) =>
        `${list.join(' and ')} are ${kind} files with the same key "${key}"; give each its own key.`,
    );
}

function printApplySummary(options: GlobalOptions, summary: ApplySummary): void {
  output(options, summary, () => [
    ...summary.published.map(({ key, version, created }) =>
      created ? `Published ${key} version ${version}.` : `${key} unchanged at version ${version}.`,
    ),
    `Team: ${summary.users} user(s) added or updated. Deployment rules saved: ${summary.rules}.`,
    ...summary.playbooks.map(({ key, version, created }) =>
      created
        ? `Published playbook ${key} version ${version}.`
        : `Playbook ${key} unchanged at version ${version}.`,
    ),
    ...(summary.alertTypes.length > 0
      ? [`Alert types saved: ${summary.alertTypes.join(', ')}.`]
      : []),
    ...(summary.ignored.length > 0
      ? [`Ignored (neither workflow nor team): ${summary.ignored.join(', ')}`]
      : []),
  ]);
}

/** Checks a playbook file (JSON with `steps` and no `milestones`), listing every problem. */
function loadPlaybook(file: string, content: unknown): Playbook {
  const result = validatePlaybook(content);
  if (result.ok) return result.playbook;
  const lines = result.problems.map((problem) => `  - ${problem.path}: ${problem.message}`);
  throw new CliError(`${file} is not a valid playbook:\n${lines.join('\n')}`);
}

/** Adds or updates the team's users by email; their passwords are set separately. */
export async function applyTeam(
  engine: Engine,
  team: ReturnType<typeof parseTeamFile>,
): Promise<number> {
  for (const member of team.users) await engine.users.upsert(member);
  return team.users.length;
}
