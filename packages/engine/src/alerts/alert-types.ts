import type { Database } from '@milepost/db';
import {
  AlertType,
  cadenceOf,
  dateToMs,
  DAY_MS,
  evaluationDays,
  isEvaluationDay,
  msToDate,
  WorkflowKey,
  type Cadence,
  type IsoDate,
} from '@milepost/model';
import type { Clock } from '../clock.ts';
import { InvalidRequestError, NotFoundError } from '../errors.ts';
import { qualifyingAccounts } from './evaluate.ts';
import { raiseAlerts } from './raise.ts';

export interface StoredAlertType {
  type: AlertType;
  cadence: Cadence;
  enabled: boolean;
  /** Evaluation days up to and including this one have run. */
  evaluatedThrough: IsoDate | null;
  updatedAt: number;
  updatedBy: string | null;
}

/** One issue of an invalid alert type: where it is and what to change. */
export interface AlertTypeIssue {
  path: string;
  message: string;
}

/** Raised by `save` for an alert type that fails validation, with every issue found. */
export class AlertTypeValidationError extends InvalidRequestError {
  readonly issues: AlertTypeIssue[];

  constructor(key: string, issues: AlertTypeIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.path || '(top level)'}: ${issue.message}`);
    super(`Alert type "${key}" is invalid:\n${lines.join('\n')}`);
    this.name = 'AlertTypeValidationError';
    this.issues = issues;
  }
}

export interface TypeEvaluation {
  key: string;
  date: IsoDate;
  raised: number;
  suppressed: number;
  alertIds: number[];
}

export interface BacktestDay {
  date: IsoDate;
  /** Accounts that satisfy the rule and condition that day, before deduplication. */
  count: number;
  accounts: { id: string; name: string }[];
}

export interface Backtest {
  key: string;
  cadence: Cadence;
  from: IsoDate;
  to: IsoDate;
  days: BacktestDay[];
}

/** The maximum date range a backtest accepts, in days. */
const MAX_BACKTEST_DAYS = 731;

const dayBefore = (date: IsoDate) => msToDate(dateToMs(date) - DAY_MS);

/**
 * Alert types: their definitions, whether the scheduler evaluates them, and their evaluation.
 * Evaluating a day raises alerts for the accounts that qualify, and a backtest lists them and
 * writes nothing. Both read the same query, so a backtest shows what evaluation would raise
 * before open alerts and the retrigger delay suppress repeats.
 */
export class AlertTypes {
  constructor(
    private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Parses an alert type and stores it, checking that its playbook exists. */
  async save(input: unknown, userId: string | null): Promise<StoredAlertType> {
    const type = parseAlertType(input);
    const now = this.clock.now();
    const previous = await this.#find(type.key);

    await this.database.db.transaction().execute(async (trx) => {
      if (type.playbook) {
        const playbook = await trx
          .selectFrom('playbooks')
          .select('key')
          .where('key', '=', type.playbook)
          .executeTakeFirst();
        if (!playbook) {
          throw new AlertTypeValidationError(type.key, [
            {
              path: 'playbook',
              message: `No playbook "${type.playbook}" exists. Create the playbook first, or remove "playbook".`,
            },
          ]);
        }
      }
      const values = {
        name: type.name,
        definition_json: JSON.stringify(type),
        enabled: type.enabled ? (1 as const) : (0 as const),
        evaluated_through: this.#cursorAfterSave(previous, type.enabled, now),
        updated_at: now,
        updated_by: userId,
      };
      if (previous) {
        await trx.updateTable('alert_types').set(values).where('key', '=', type.key).execute();
      } else {
        await trx
          .insertInto('alert_types')
          .values({ key: type.key, created_at: now, ...values })
          .execute();
      }
    });
    return this.get(type.key);
  }

  async get(key: string): Promise<StoredAlertType> {
    const stored = await this.#find(key);
    if (!stored) throw new NotFoundError('alert type', key);
    return stored;
  }

  async list(): Promise<StoredAlertType[]> {
    const rows = await this.database.db
      .selectFrom('alert_types')
      .selectAll()
      .orderBy('key')
      .execute();
    return rows.map(toStored);
  }

  /**
   * Turns scheduled evaluation of a type on or off. A type enabled again is evaluated from today
   * on: the days it was disabled are not caught up.
   */
  async setEnabled(
    key: string,
    enabled: boolean,
    userId: string | null = null,
  ): Promise<StoredAlertType> {
    const stored = await this.get(key);
    const now = this.clock.now();
    const type = { ...stored.type, enabled };
    await this.database.db
      .updateTable('alert_types')
      .set({
        definition_json: JSON.stringify(type),
        enabled: enabled ? 1 : 0,
        evaluated_through: this.#cursorAfterSave(stored, enabled, now),
        updated_at: now,
        updated_by: userId,
      })
      .where('key', '=', key)
      .execute();
    return this.get(key);
  }

  /** Lists the distinct metric names stored, for choosing a rule's metric. */
  async metricNames(): Promise<string[]> {
    const rows = await this.database.db
      .selectFrom('metrics')
      .select('metric')
      .distinct()
      .orderBy('metric')
      .execute();
    return rows.map((row) => row.metric);
  }

  /**
   * Evaluates the types whose cadence includes `asOf` (every enabled type, or only `key`, enabled
   * or not) and raises their alerts. Each type's evaluation is one transaction that also moves
   * its `evaluatedThrough` forward to `asOf`.
   */
  async evaluate(asOf: IsoDate, options: { key?: string } = {}): Promise<TypeEvaluation[]> {
    const today = msToDate(this.clock.now());
    if (asOf > today) {
      throw new InvalidRequestError(
        `Cannot evaluate alerts as of ${asOf}, which is after today (${today}): its metrics are not complete. Use a date up to ${today}.`,
      );
    }
    const types = options.key ? [await this.get(options.key)] : await this.list();
    const results: TypeEvaluation[] = [];
    for (const stored of types) {
      if (!options.key && !stored.enabled) continue;
      if (!isEvaluationDay(stored.type.rule, asOf)) continue;
      results.push(await this.#evaluateDay(stored.type, asOf));
    }
    return results;
  }

  /**
   * Evaluates every enabled type on each of its evaluation days after `evaluatedThrough` up to
   * today, in order, as the scheduler's daily job does. Days missed while the server was down are
   * caught up one by one, so an account is alerted on the day it first qualified.
   */
  async evaluateDue(): Promise<TypeEvaluation[]> {
    const today = msToDate(this.clock.now());
    const results: TypeEvaluation[] = [];
    for (const stored of await this.list()) {
      if (!stored.enabled) continue;
      const from = stored.evaluatedThrough
        ? msToDate(dateToMs(stored.evaluatedThrough) + DAY_MS)
        : today;
      for (const day of evaluationDays(stored.type.rule, from, today)) {
        results.push(await this.#evaluateDay(stored.type, day));
      }
      if (from <= today) await this.#advance(stored.type.key, today);
    }
    return results;
  }

  /**
   * Lists, for each evaluation day from `from` to `to`, the accounts that qualify, before
   * deduplication and the retrigger delay. Takes a stored type's key or an unsaved definition,
   * so an editor can tune a threshold before saving. An unsaved definition needs no key or name
   * yet. Writes nothing.
   */
  async backtest(keyOrType: string | unknown, from: IsoDate, to: IsoDate): Promise<Backtest> {
    const type =
      typeof keyOrType === 'string'
        ? (await this.get(keyOrType)).type
        : parseUnsavedAlertType(keyOrType);
    const span = (dateToMs(to) - dateToMs(from)) / DAY_MS;
    if (span < 0) {
      throw new InvalidRequestError(`The backtest range ends (${to}) before it starts (${from}).`);
    }
    if (span >= MAX_BACKTEST_DAYS) {
      throw new InvalidRequestError(
        `The backtest range ${from} to ${to} spans ${span + 1} days. Use at most ${MAX_BACKTEST_DAYS}.`,
      );
    }

    const days: BacktestDay[] = [];
    const names = new Map<string, string>();
    for (const date of evaluationDays(type.rule, from, to)) {
      const candidates = await qualifyingAccounts(this.database, type, date);
      days.push({
        date,
        count: candidates.length,
        accounts: candidates.map((c) => ({ id: c.accountId, name: '' })),
      });
      for (const candidate of candidates) names.set(candidate.accountId, '');
    }
    await this.#readNames(names);
    for (const day of days) {
      for (const account of day.accounts) account.name = names.get(account.id) ?? account.id;
    }
    return { key: type.key, cadence: cadenceOf(type.rule), from, to, days };
  }

  async #evaluateDay(type: AlertType, day: IsoDate): Promise<TypeEvaluation> {
    const now = this.clock.now();
    return this.database.db.transaction().execute(async (trx) => {
      const candidates = await qualifyingAccounts(this.database, type, day, trx);
      const result = await raiseAlerts(trx, { type, firedOn: day, candidates }, now);
      await trx
        .updateTable('alert_types')
        .set({ evaluated_through: day })
        .where('key', '=', type.key)
        .where((eb) =>
          eb.or([eb('evaluated_through', 'is', null), eb('evaluated_through', '<', day)]),
        )
        .execute();
      return { key: type.key, date: day, ...result };
    });
  }

  async #advance(key: string, through: IsoDate): Promise<void> {
    await this.database.db
      .updateTable('alert_types')
      .set({ evaluated_through: through })
      .where('key', '=', key)
      .where((eb) =>
        eb.or([eb('evaluated_through', 'is', null), eb('evaluated_through', '<', through)]),
      )
      .execute();
  }

  /**
   * A type newly enabled starts at today's evaluation, so its cursor is yesterday. A type that
   * stays enabled keeps its progress.
   */
  #cursorAfterSave(
    previous: StoredAlertType | undefined,
    enabled: boolean,
    now: number,
  ): IsoDate | null {
    if (previous?.enabled && enabled) return previous.evaluatedThrough;
    return enabled ? dayBefore(msToDate(now)) : (previous?.evaluatedThrough ?? null);
  }

  async #find(key: string): Promise<StoredAlertType | undefined> {
    const row = await this.database.db
      .selectFrom('alert_types')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? toStored(row) : undefined;
  }

  async #readNames(names: Map<string, string>): Promise<void> {
    const ids = [...names.keys()];
    for (let offset = 0; offset < ids.length; offset += 500) {
      const rows = await this.database.db
        .selectFrom('accounts')
        .select(['id', 'name'])
        .where('id', 'in', ids.slice(offset, offset + 500))
        .execute();
      for (const row of rows) names.set(row.id, row.name);
    }
  }
}

/** Parses an alert type definition, naming every problem. */
export function parseAlertType(input: unknown): AlertType {
  const parsed = AlertType.safeParse(input);
  if (parsed.success) return parsed.data;
  const key =
    typeof input === 'object' &&
    input !== null &&
    typeof (input as { key?: unknown }).key === 'string'
      ? (input as { key: string }).key
      : '(no key)';
  throw new AlertTypeValidationError(
    key,
    parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
  );
}

/** Key and name given to an unsaved definition that lacks them. Neither affects a backtest. */
const UNSAVED_KEY = 'unsaved';
const UNSAVED_NAME = 'Unsaved alert type';

/**
 * Parses a definition for a backtest, filling a missing, blank or invalid key and a blank name
 * with placeholders, so that only the parts that decide who qualifies must be valid.
 */
export function parseUnsavedAlertType(input: unknown): AlertType {
  if (typeof input !== 'object' || input === null) return parseAlertType(input);
  const definition = input as { key?: unknown; name?: unknown };
  const key = WorkflowKey.safeParse(definition.key).success ? definition.key : UNSAVED_KEY;
  const name =
    typeof definition.name === 'string' && definition.name.trim() !== ''
      ? definition.name
      : UNSAVED_NAME;
  return parseAlertType({ ...input, key, name });
}

function toStored(row: {
  definition_json: string;
  enabled: number;
  evaluated_through: string | null;
  updated_at: number;
  updated_by: string | null;
}): StoredAlertType {
  const type = AlertType.parse(JSON.parse(row.definition_json));
  return {
    type: { ...type, enabled: row.enabled === 1 },
    cadence: cadenceOf(type.rule),
    enabled: row.enabled === 1,
    evaluatedThrough: row.evaluated_through,
    updatedAt: Number(row.updated_at),
    updatedBy: row.updated_by,
  };
}
