/**
 * A hash router: the route is the part of the address after `#`, such as `#/workflows/onboarding`,
 * so the server serves the same page for every route and reloads keep the place. A route may end
 * in a query, as in `#/tasks?scope=team`, which pages use for filters that should survive a reload.
 */
class HashRouter {
  /** The route without its query, such as `/tasks`. */
  path = $state(readLocation().path);
  /** The query of the route without the leading `?`, or an empty string. */
  query = $state(readLocation().query);

  constructor() {
    if (typeof window !== 'undefined') {
      window.addEventListener('hashchange', () => this.#set(readLocation()));
    }
  }

  /** Goes to `target`, a path with an optional query, adding a history entry. */
  navigate(target: string): void {
    if (target === joinRoute(this.path, this.query)) return;
    window.location.hash = target;
  }

  /** Replaces the current history entry with `target`, a path with an optional query. */
  replace(target: string): void {
    window.history.replaceState(null, '', `#${target}`);
    this.#set(splitRoute(target));
  }

  /** Returns the query parameters of the current route. */
  params(): URLSearchParams {
    return new URLSearchParams(this.query);
  }

  /**
   * Replaces the query of the current route with `params`, leaving out empty values, without
   * adding a history entry.
   */
  setParams(params: Record<string, string | null | undefined>): void {
    const query = Object.entries(params)
      .filter((entry): entry is [string, string] => Boolean(entry[1]))
      .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
      .join('&');
    if (query !== this.query) this.replace(joinRoute(this.path, query));
  }

  /**
   * Matches the current path against a pattern such as `/workflows/:key`, returning the decoded
   * parameters, or `null` when it does not match. The query takes no part in matching.
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

  #set(route: { path: string; query: string }): void {
    this.path = route.path;
    this.query = route.query;
  }
}

function splitRoute(target: string): { path: string; query: string } {
  const mark = target.indexOf('?');
  const path = mark === -1 ? target : target.slice(0, mark);
  const query = mark === -1 ? '' : target.slice(mark + 1);
  return { path: path.startsWith('/') ? path : '/', query };
}

/** Returns `path` with `query` appended after a `?`, or `path` alone when the query is empty. */
export function joinRoute(path: string, query: string): string {
  return query ? `${path}?${query}` : path;
}

function readLocation(): { path: string; query: string } {
  if (typeof window === 'undefined') return { path: '/', query: '' };
  return splitRoute(window.location.hash.replace(/^#/, ''));
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
