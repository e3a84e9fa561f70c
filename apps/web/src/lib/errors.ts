import type { Problem } from '@milepost/model';
import { TRPCClientError } from '@trpc/client';

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

/** Describes a failed call in a sentence for the user. */
export function errorMessage(error: unknown): string {
  if (error instanceof TRPCClientError) {
    if (errorCode(error) === undefined && /fetch|network/i.test(error.message)) {
      return 'The server cannot be reached. Check your connection and try again.';
    }
    return error.message;
  }
  if (error instanceof Error) return error.message;
  return String(error);
}
