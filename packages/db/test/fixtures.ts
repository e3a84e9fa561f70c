import type { Insertable, Kysely } from 'kysely';
import type {
  AccountsTable,
  InstancesTable,
  Tables,
  UsersTable,
  WorkflowsTable,
  WorkflowVersionsTable,
} from '../src/index.ts';

/** 2026-01-05 09:30 UTC in milliseconds. It exceeds 2^31, so it fits only a 64-bit column. */
export const AT = Date.UTC(2026, 0, 5, 9, 30);

export const user: Insertable<UsersTable> = {
  id: 'u-lead',
  email: 'lead@example.com',
  name: 'Lena Lead',
  role: 'lead',
  password_hash: 'scrypt$salt$hash',
  created_at: AT,
};

export const account: Insertable<AccountsTable> = {
  id: 'acme',
  name: 'Acme Corp',
  owner_id: user.id,
  segment: 'enterprise',
  stage: 'onboarding',
  dates_json: '{"signup_date":"2026-01-02"}',
  fields_json: '{"arr":120000}',
  created_at: AT,
  updated_at: AT + 1,
};

export const workflow: Insertable<WorkflowsTable> = {
  key: 'onboarding',
  name: 'Onboarding',
  description: 'From signed contract to first value',
  created_at: AT,
  updated_at: AT,
  archived_at: null,
};

export function workflowVersion(version: number): Insertable<WorkflowVersionsTable> {
  return {
    workflow_key: workflow.key,
    version,
    definition_json: '{"milestones":[]}',
    content_hash: `sha256-${version}`,
    published_by: user.id,
    published_at: AT + version,
  };
}

export function instance(id: string, versionId: number): Insertable<InstancesTable> {
  return {
    id,
    workflow_key: workflow.key,
    version_id: versionId,
    account_id: account.id,
    status: 'running',
    snapshot_json: '{}',
    started_at: AT,
  };
}

/**
 * Inserts a user, an account, a workflow with version 1 and one running instance, and returns
 * the ids that other rows refer to.
 */
export async function insertRunningInstance(
  db: Kysely<Tables>,
  instanceId = 'i-1',
): Promise<{ instanceId: string; versionId: number }> {
  await db.insertInto('users').values(user).execute();
  await db.insertInto('accounts').values(account).execute();
  await db.insertInto('workflows').values(workflow).execute();

  const { id: versionId } = await db
    .insertInto('workflow_versions')
    .values(workflowVersion(1))
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('instances').values(instance(instanceId, versionId)).execute();

  return { instanceId, versionId };
}
