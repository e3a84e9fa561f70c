import type { Warning } from '@milepost/compiler';
import { TRPCClientError } from '@trpc/client';
import { errorCode } from '../lib/errors.ts';

/** Returns the warnings a publish was rejected for, or `null` when it failed for another reason. */
export function publishWarnings(error: unknown): Warning[] | null {
  if (!(error instanceof TRPCClientError) || errorCode(error) !== 'PRECONDITION_FAILED') {
    return null;
  }
  const data = error.data as { warnings?: Warning[] } | undefined;
  return data?.warnings ?? null;
}
