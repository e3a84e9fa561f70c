import type { FieldValue } from '@milepost/model';

/** Parses a JSON object column, returning `{}` for an empty value. */
export function parseObject<T = Record<string, FieldValue>>(text: string | null | undefined): T {
  return (text ? JSON.parse(text) : {}) as T;
}
