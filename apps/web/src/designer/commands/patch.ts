/**
 * Sets each key of `patch` on a copy of `target`. A key whose value is `undefined` is removed,
 * so an optional field such as a due rule can be cleared and restored.
 */
export function applyPatch<T extends object>(target: T, patch: Partial<T>): T {
  const next = { ...target };
  for (const key of Object.keys(patch) as (keyof T)[]) {
    if (patch[key] === undefined) delete next[key];
    else next[key] = patch[key] as T[keyof T];
  }
  return next;
}

/** Returns the current values of the keys that `patch` would change, for reverting it. */
export function previousValues<T extends object>(target: T, patch: Partial<T>): Partial<T> {
  const before: Partial<T> = {};
  for (const key of Object.keys(patch) as (keyof T)[]) before[key] = target[key];
  return before;
}
