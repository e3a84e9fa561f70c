import type { Engine } from '@milepost/engine';
import { z } from 'zod';
import {
  DeploymentRule,
  parseTeamFile,
  validateDefinition,
  type Problem,
  type WorkflowDefinition,
} from '@milepost/model';
import { jsonFilesUnder, readJsonFile } from '../files.ts';
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

interface ApplySummary {
  published: { key: string; version: number; created: boolean; file: string }[];
  users: number;
  rules: number;
  ignored: string[];
}

/**
 * `apply PATH`: loads every team file (JSON with `users`) and publishes every workflow file
 * (JSON with `milestones`) under PATH. All files are checked first, so one invalid file leaves
 * the database untouched.
 */
export async function applyCommand(
  path: string,
  options: GlobalOptions & { acceptWarnings?: boolean },
): Promise<void> {
  const definitions: { file: string; definition: WorkflowDefinition; rules?: DeploymentRule[] }[] =
    [];
  const teams: { file: string; team: ReturnType<typeof parseTeamFile> }[] = [];
  const ignored: string[] = [];
  const failures: string[] = [];

  for (const file of jsonFilesUnder(path)) {
    const content = readJsonFile(file);
    const kind = content && typeof content === 'object' ? Object.keys(content) : [];
    try {
      if (kind.includes('milestones')) {
        const rules = loadRules(file, (content as { rules?: unknown }).rules);
        definitions.push({ file, definition: loadDefinition(file), ...(rules ? { rules } : {}) });
      } else if (kind.includes('users')) teams.push({ file, team: parseTeamFile(content, file) });
      else ignored.push(file);
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) {
    throw new CliError(
      `Nothing was applied, because ${failures.length} file(s) are invalid:\n${failures.join('\n')}`,
    );
  }

  const summary = await withEngine(options, async (engine): Promise<ApplySummary> => {
    for (const { file, definition, rules } of definitions) {
      const simulation = await simulate(engine, definition, rules ? { rules } : {});
      requireNoWarnings(file, simulation, options.acceptWarnings ?? false);
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
    return { published, users, rules, ignored };
  });

  output(options, summary, () => [
    ...summary.published.map(({ key, version, created }) =>
      created ? `Published ${key} version ${version}.` : `${key} unchanged at version ${version}.`,
    ),
    `Team: ${summary.users} user(s) added or updated. Deployment rules saved: ${summary.rules}.`,
    ...(summary.ignored.length > 0
      ? [`Ignored (neither workflow nor team): ${summary.ignored.join(', ')}`]
      : []),
  ]);
}

/** Adds or updates the team's users by email; their passwords are set separately. */
export async function applyTeam(
  engine: Engine,
  team: ReturnType<typeof parseTeamFile>,
): Promise<number> {
  for (const member of team.users) await engine.users.upsert(member);
  return team.users.length;
}
