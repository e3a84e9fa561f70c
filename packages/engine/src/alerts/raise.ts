import type { Tables } from '@milepost/db';
import { dateToMs, DAY_MS, msToDate, type AlertType, type IsoDate } from '@milepost/model';
import type { Kysely, Transaction } from 'kysely';
import { alertDueJob, enqueueJobs } from '../jobs.ts';
import { enqueueNotifications } from '../notifications.ts';

type Executor = Kysely<Tables> | Transaction<Tables>;

/** An account that satisfies an alert type's rule on an evaluation day, with what was measured. */
export interface AlertCandidate {
  accountId: string;
  detail: Record<string, unknown>;
}

export interface RaiseRequest {
  type: AlertType;
  /** The evaluation day the candidates qualified on. */
  firedOn: IsoDate;
  candidates: readonly AlertCandidate[];
}

export interface RaiseResult {
  raised: number;
  /**
   * Candidates left alone: an alert is open or snoozed, one fired within the retrigger delay or
   * on the same day, or the account no longer exists.
   */
  suppressed: number;
  alertIds: number[];
}

/** An account's owner, or null when it has none, and its name for the notification. */
interface AccountOwner {
  ownerId: string | null;
  name: string;
}

interface PlaybookSnapshot {
  versionId: number;
  steps: { id: string; title: string; guidance: unknown }[];
}

/** The number of ids per `in (...)` list, well below SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

/**
 * Raises an alert for each candidate account, with the alert task's steps copied from the
 * playbook's latest published version, due `responseHours` after `now`, an `alert_due` job, and
 * an `alert` notification to the account's owner when it has one.
 * Skips accounts with an open or snoozed alert of the type, accounts whose last alert of the type
 * fired fewer than `retriggerDays` days before `firedOn`, and accounts already alerted on
 * `firedOn`, so running the same day again raises nothing new. Run it inside a transaction.
 */
export async function raiseAlerts(
  trx: Executor,
  request: RaiseRequest,
  now: number,
): Promise<RaiseResult> {
  const { type, firedOn } = request;
  const result: RaiseResult = { raised: 0, suppressed: 0, alertIds: [] };
  const playbook = type.playbook ? await latestPlaybook(trx, type.playbook) : null;

  for (let offset = 0; offset < request.candidates.length; offset += CHUNK) {
    const chunk = request.candidates.slice(offset, offset + CHUNK);
    const blocked = await blockedAccounts(trx, type, firedOn, chunk);
    const owners = await accountOwners(trx, chunk);
    const fresh = chunk.filter((c) => !blocked.has(c.accountId) && owners.has(c.accountId));
    result.suppressed += chunk.length - fresh.length;
    if (fresh.length === 0) continue;

    const dueAt = now + type.responseHours * 3_600_000;
    // A concurrent run that raised the same alert first wins on the one-open-alert index, and
    // this insert then leaves that account out.
    const inserted = await trx
      .insertInto('alerts')
      .values(
        fresh.map((candidate) => ({
          alert_type_key: type.key,
          account_id: candidate.accountId,
          fired_on: firedOn,
          status: 'open' as const,
          severity: type.severity,
          owner_id: owners.get(candidate.accountId)?.ownerId ?? null,
          detail_json: JSON.stringify(candidate.detail),
          playbook_version_id: playbook?.versionId ?? null,
          due_at: dueAt,
          created_at: now,
        })),
      )
      .onConflict((conflict) => conflict.doNothing())
      .returning(['id', 'account_id', 'owner_id'])
      .execute();
    result.suppressed += fresh.length - inserted.length;
    const ids = inserted.map((row) => row.id);
    result.alertIds.push(...ids);
    result.raised += ids.length;
    if (ids.length === 0) continue;

    await writeStepsAndEvents(trx, ids, playbook, firedOn, now);
    await enqueueJobs(
      trx,
      ids.map((id) => alertDueJob(id, dueAt)),
    );
    const notifications = inserted.flatMap(({ id, account_id: accountId, owner_id: ownerId }) => {
      const accountName = owners.get(accountId)?.name ?? accountId;
      return ownerId === null ? [] : [raisedNotification(type, id, ownerId, accountName, now)];
    });
    await enqueueNotifications(trx, notifications);
  }
  return result;
}

/** Accounts among `chunk` that must not get a new alert of `type` on `firedOn`. */
async function blockedAccounts(
  trx: Executor,
  type: AlertType,
  firedOn: IsoDate,
  chunk: readonly AlertCandidate[],
): Promise<Set<string>> {
  const retriggerFrom = msToDate(dateToMs(firedOn) - (type.retriggerDays - 1) * DAY_MS);
  const rows = await trx
    .selectFrom('alerts')
    .select('account_id')
    .where('alert_type_key', '=', type.key)
    .where(
      'account_id',
      'in',
      chunk.map((c) => c.accountId),
    )
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['open', 'snoozed']),
        eb('fired_on', '=', firedOn),
        ...(type.retriggerDays > 0
          ? [eb.and([eb('fired_on', '>=', retriggerFrom), eb('fired_on', '<=', firedOn)])]
          : []),
      ]),
    )
    .execute();
  return new Set(rows.map((row) => row.account_id));
}

async function accountOwners(
  trx: Executor,
  chunk: readonly AlertCandidate[],
): Promise<Map<string, AccountOwner>> {
  const rows = await trx
    .selectFrom('accounts')
    .select(['id', 'owner_id', 'name'])
    .where(
      'id',
      'in',
      chunk.map((c) => c.accountId),
    )
    .execute();
  return new Map(rows.map((row) => [row.id, { ownerId: row.owner_id, name: row.name }]));
}

/** Builds the notification of a raised alert for its owner, linking to the alert task. */
function raisedNotification(
  type: AlertType,
  alertId: number,
  ownerId: string,
  accountName: string,
  now: number,
) {
  return {
    user_id: ownerId,
    kind: 'alert' as const,
    key: `alert_raised:${alertId}`,
    instance_id: null,
    milestone_id: null,
    alert_id: alertId,
    message: `New alert: ${type.name} for ${accountName}.`,
    created_at: now,
  };
}

/** Reads the steps of a playbook's latest published version, or null when none is published. */
async function latestPlaybook(trx: Executor, key: string): Promise<PlaybookSnapshot | null> {
  const row = await trx
    .selectFrom('playbook_versions')
    .select(['id', 'document_json'])
    .where('playbook_key', '=', key)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return null;
  const document = JSON.parse(row.document_json) as { steps?: PlaybookSnapshot['steps'] };
  return { versionId: row.id, steps: document.steps ?? [] };
}

async function writeStepsAndEvents(
  trx: Executor,
  alertIds: readonly number[],
  playbook: PlaybookSnapshot | null,
  firedOn: IsoDate,
  now: number,
): Promise<void> {
  const steps = playbook
    ? alertIds.flatMap((alertId) =>
        playbook.steps.map((step, position) => ({
          alert_id: alertId,
          step_id: step.id,
          position,
          title: step.title,
          guidance_json: JSON.stringify(step.guidance ?? { type: 'doc', content: [] }),
        })),
      )
    : [];
  // Rows per insert stay under SQLite's limit of 32,766 bound parameters.
  for (let offset = 0; offset < steps.length; offset += 1000) {
    await trx
      .insertInto('alert_steps')
      .values(steps.slice(offset, offset + 1000))
      .execute();
  }

  const detail = JSON.stringify({ firedOn, playbookVersionId: playbook?.versionId ?? null });
  await trx
    .insertInto('alert_events')
    .values(
      alertIds.map((alertId) => ({
        alert_id: alertId,
        kind: 'raised',
        at: now,
        user_id: null,
        detail,
      })),
    )
    .execute();
}
