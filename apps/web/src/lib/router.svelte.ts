/**
 * A hash router: the route is the part of the address after `#`, such as `#/workflows/onboarding`,
 * so the server serves the same page for every route and reloads keep the place.
 */
class HashRouter {
  path = $state(readPath());

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('hashchange', () => (this.path = readPath()));
    }
  }

  /** Goes to `path`, adding a history entry. */
  navigate(path: string): void {
    if (path === this.path) return;
    window.location.hash = path;
  }

  /** Replaces the current history entry with `path`. */
  replace(path: string): void {
    window.history.replaceState(null, '', `#${path}`);
    this.path = path;
  }

  /**
   * Matches the current path against a pattern such as `/workflows/:key`, returning the decoded
   * parameters, or `null` when it does not match.
   */
  match(pattern: string): Record<string, string> | null {
    const expected = pattern.split('/');
    const actual = this.path.split('/');
    if (expected.length !== actual.length) return null;

    const params: Record<string, string> = {};
    for (const [index, part] of expected.entries()) {
      const value = actual[index]!;
      if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(value);
      else if (part !== value) return null;
    }
    return params;
  }
}

function readPath(): string {
  if (typeof window === 'undefined') return '/';
  const path = window.location.hash.replace(/^#/, '');
  return path.startsWith('/') ? path : '/';
}

export const router = new HashRouter();

/** Returns the address of a route, for links. */
export function href(path: string): string {
  return `#${path}`;
}

/** Reads the instance and milestone of a matched route such as `/tasks/:instanceId/:milestoneId`. */
export function milestoneRoute(
  params: Record<string, string> | null,
): { instanceId: string; milestoneId: string } | null {
  const instanceId = params?.instanceId;
  const milestoneId = params?.milestoneId;
  return instanceId && milestoneId ? { instanceId, milestoneId } : null;
}
