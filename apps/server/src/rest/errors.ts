import type { z } from '@hono/zod-openapi';

/** Writes an issue path the way JavaScript reads it, such as `points[3].date`. */
export function issuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text === '' ? '(body)' : text;
}

/**
 * Lists the issues of a failed body parse, each with its path and message. Only the first issue
 * of each path is kept, because a value that fails a format check also fails the checks after it
 * (a malformed date is also not a calendar date).
 */
export function describeIssues(error: z.ZodError): { path: string; message: string }[] {
  const byPath = new Map<string, string>();
  for (const issue of error.issues) {
    const path = issuePath(issue.path);
    if (!byPath.has(path)) byPath.set(path, issue.message);
  }
  return [...byPath].map(([path, message]) => ({ path, message }));
}

/** Builds the message of a 400 response: the first issues, each naming its field. */
export function invalidBodyMessage(issues: readonly { path: string; message: string }[]): string {
  const shown = issues.slice(0, 5).map(({ path, message }) => `${path}: ${message}`);
  const more = issues.length > shown.length ? ` (and ${issues.length - shown.length} more)` : '';
  return `Invalid request body. ${shown.join('; ')}${more}`;
}
