import * as postgres from './postgres.ts';
import * as sqlite from './sqlite.ts';
import type { DialectModule, DialectName } from './types.ts';

/** Every supported dialect by name. `satisfies` checks that each module has the same exports. */
export const dialectModules = { sqlite, postgres } satisfies Record<DialectName, DialectModule>;

const POSTGRES_URL = /^postgres(ql)?:\/\//i;

/** Returns PostgreSQL for a `postgres://` or `postgresql://` URL, and SQLite for a file path. */
export function dialectForUrl(url: string): DialectModule {
  return POSTGRES_URL.test(url) ? dialectModules.postgres : dialectModules.sqlite;
}
