// Account import from CSV
export { mapAccountRows } from './accounts.ts';
export type { AccountImportResult, RejectedRow } from './accounts.ts';
export type { KnownUserEmails } from './owners.ts';

// Account fields aggregated from related tables
export { aggregateAccountFields } from './account-fields.ts';
export type { AccountFieldsResult } from './account-fields.ts';

// Daily metrics from CSV
export { mapMetricRows, readMetricsLookup } from './metrics.ts';
export type { DuplicateRow, MetricsImportResult, MetricsLookup } from './metrics.ts';
