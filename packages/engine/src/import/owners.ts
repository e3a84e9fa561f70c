import type { AccountMapping, UserId } from '@milepost/model';

/** Known users: lowercased email to user id. */
export type KnownUserEmails = ReadonlyMap<string, string>;

/** Finds the owner of each imported row, from the owner column or the mapping's owner rule. */
export interface OwnerAssigner {
  /** Returns why the row's owner cannot be found, or `null` when it can. Takes no turn. */
  check(ownerCell: string, segment: string | null): string | null;
  /**
   * Returns the owner of a row that passed `check` and is being imported. A round-robin rule
   * hands out one turn per call, so call it once per accepted row, in file order.
   */
  assign(ownerCell: string, segment: string | null): UserId | null;
}

/**
 * Creates the owner assigner for a mapping. Throws an `Error` when the owner rule names an email
 * that is not a known user, because every row it covers would fail.
 */
export function createOwnerAssigner(
  mapping: AccountMapping,
  knownUserEmails: KnownUserEmails,
): OwnerAssigner {
  const rule = mapping.ownerRule;
  if (rule) assertRuleUsersKnown(rule, knownUserEmails);

  const lookup = (email: string) => knownUserEmails.get(email.toLowerCase()) as UserId | undefined;

  if (rule?.kind === 'round_robin') {
    let turn = 0;
    return {
      check: () => null,
      assign: () => lookup(rule.users[turn++ % rule.users.length]!)!,
    };
  }

  if (rule?.kind === 'by_segment') {
    const emailFor = (segment: string | null) => {
      const folded = segment?.toLowerCase();
      const key = Object.keys(rule.segments).find((name) => name.toLowerCase() === folded);
      return key === undefined ? rule.default : rule.segments[key];
    };
    return {
      check: (_ownerCell, segment) =>
        emailFor(segment) === undefined
          ? `segment "${segment ?? ''}" has no owner in ownerRule.segments and the rule has no ` +
            'default: add the segment or a default to the owner rule'
          : null,
      assign: (_ownerCell, segment) => lookup(emailFor(segment)!)!,
    };
  }

  const column = mapping.owner;
  return {
    check: (ownerCell) =>
      column === undefined || ownerCell === '' || lookup(ownerCell) !== undefined
        ? null
        : `${column} "${ownerCell}" is not a known user: add the user to the team file or ` +
          'correct the email',
    assign: (ownerCell) => (ownerCell === '' ? null : (lookup(ownerCell) ?? null)),
  };
}

function assertRuleUsersKnown(
  rule: NonNullable<AccountMapping['ownerRule']>,
  knownUserEmails: KnownUserEmails,
): void {
  const emails =
    rule.kind === 'round_robin'
      ? rule.users
      : [...Object.values(rule.segments), ...(rule.default ? [rule.default] : [])];
  const unknown = [...new Set(emails.filter((email) => !knownUserEmails.has(email.toLowerCase())))];
  if (unknown.length === 0) return;

  const list = unknown.map((email) => `"${email}"`).join(', ');
  throw new Error(
    `The mapping's ownerRule names ${list}, which ${unknown.length === 1 ? 'is' : 'are'} not ` +
      'known users. Add them to the team file or correct the emails in the mapping.',
  );
}
