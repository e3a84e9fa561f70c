// Account import from CSV
export { mapAccountRows } from './accounts.ts';
export type { AccountImportResult, RejectedRow } from './accounts.ts';
export type { KnownUserEmails } from './owners.ts';
