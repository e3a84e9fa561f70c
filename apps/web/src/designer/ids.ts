/**
 * Makes an id from a name that is not in `taken`: `Kickoff call` becomes `kickoff_call`, then
 * `kickoff_call_2` and so on. The result fits the milestone id rule: letters, digits, `_` and
 * `-`, starting with a letter or digit.
 */
export function uniqueId(name: string, taken: ReadonlySet<string>, fallback = 'milestone'): string {
  const base =
    name
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 40) || fallback;
  if (!taken.has(base)) return base;

  for (let suffix = 2; ; suffix++) {
    const candidate = `${base}_${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
