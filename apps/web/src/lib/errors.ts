import type { Problem } from '@milepost/model';
import { TRPCClientError } from '@trpc/client';
import { fieldLabel } from './format.ts';

/** Returns the tRPC error code of a failed call, such as `CONFLICT`, or `undefined` for other errors. */
export function errorCode(error: unknown): string | undefined {
  if (!(error instanceof TRPCClientError)) return undefined;
  const data = error.data as { code?: string } | undefined;
  return data?.code;
}

/** Validation problems sent with a rejected definition. */
export function errorProblems(error: unknown): Problem[] {
  if (!(error instanceof TRPCClientError)) return [];
  const data = error.data as { problems?: Problem[] } | undefined;
  return data?.problems ?? [];
}

/** Lists the fields of a rejected input, each with what to change. */
export function errorIssues(error: unknown): { path: string; message: string }[] {
  if (!(error instanceof TRPCClientError)) return [];
  const data = error.data as { issues?: { path: string; message: string }[] } | undefined;
  return data?.issues ?? [];
}

/** Describes a failed call in a sentence for the user, one sentence per invalid field. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (errorCode(error) === undefined && /fetch|network/i.test(error.message)) {
      return 'The server cannot be reached. Check your connection and try again.';
    }
    const issues = errorIssues(error);
    if (issues.length > 0) return issues.map(issueSentence).join(' ');
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Writes an issue as `Rule › window › days: Too small.`, naming the field it is about. */
function issueSentence(issue: { path: string; message: string }): string {
  const field = issue.path ? issue.path.split('.').map(fieldLabel).join(' › ') : 'Input';
  const message = /[.!?]$/.test(issue.message) ? issue.message : `${issue.message}.`;
  return `${field}: ${message}`;
}
