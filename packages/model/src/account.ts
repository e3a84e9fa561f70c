import { z } from 'zod';
import { type AccountFieldValues, FieldValue } from './condition.ts';
import { AccountId, IsoDate, UserId } from './ids.ts';

export const Role = z.enum(['admin', 'lead', 'csm']);
export type Role = z.infer<typeof Role>;

export const User = z.object({
  id: UserId,
  email: z.string().email(),
  name: z.string().min(1),
  role: Role,
});
export type User = z.infer<typeof User>;

export const Account = z.object({
  id: AccountId,
  name: z.string().min(1),
  ownerId: UserId.nullable(),
  segment: z.string().nullable(),
  stage: z.string().nullable(),
  /** Named dates of the account, such as `signup_date` or `renewal_date`. */
  dates: z.record(z.string(), IsoDate),
  /** Custom fields imported with the account. */
  fields: z.record(z.string(), FieldValue),
});
export type Account = z.infer<typeof Account>;

/**
 * Flattens an account into the record that conditions and due rules read: `id`, `name`,
 * `owner` (the owner's user id), `segment`, `stage`, then every date and custom field by name.
 */
export function accountFieldValues(account: Account): AccountFieldValues {
  return {
    ...account.fields,
    ...account.dates,
    id: account.id,
    name: account.name,
    owner: account.ownerId,
    segment: account.segment,
    stage: account.stage,
  };
}
