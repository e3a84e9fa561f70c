import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The workspace root, where the CLI runs from so relative example paths resolve. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

const CLI_ENTRY = 'apps/server/src/cli/main.ts';

/** Environment variables the CLI reads. Tests pass them explicitly instead of inheriting them. */
const CLI_VARIABLES = [
  'MILEPOST_DATABASE_URL',
  'MILEPOST_CLOCK',
  'MILEPOST_PASSWORD',
  'MILEPOST_PORT',
  'MILEPOST_LOG_LEVEL',
];

export interface CliResult {
  /** Exit code, or `null` when a signal ended the process. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Written to standard input, which is then closed. Standard input is empty without it. */
  input?: string;
  /** Extra environment variables for this run. */
  env?: Record<string, string>;
}

/** Runs `milepost ARGS` as a separate Node process from the workspace root. */
export function runCli(args: readonly string[], options: RunCliOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CLI_VARIABLES) delete env[name];
  Object.assign(env, options.env);

  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
      cwd: REPO_ROOT,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Runs `milepost ARGS` and parses its standard output as one JSON object. Throws with the
 * command's standard error when it exits non-zero.
 */
export async function runCliJson<T = Record<string, unknown>>(
  args: readonly string[],
  options: RunCliOptions = {},
): Promise<T> {
  const result = await runCli(args, options);
  if (result.code !== 0) {
    throw new Error(
      `milepost ${args.join(' ')} exited with ${result.code}:\n${result.stderr}${result.stdout}`,
    );
  }
  return JSON.parse(result.stdout) as T;
}
