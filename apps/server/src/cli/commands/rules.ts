import { msToDate } from '@milepost/model';
import { CliError, output, withEngine, type GlobalOptions } from '../runtime.ts';

/** `rules list [WORKFLOW_KEY]`: the deployment rules and whether each is enabled. */
export async function listRulesCommand(
  key: string | undefined,
  options: GlobalOptions,
): Promise<void> {
  const rules = await withEngine(options, (engine) => engine.rules.list(key));
  output(options, { rules }, () =>
    rules.length === 0
      ? ['No deployment rules. Add "rules" to a workflow file and run milepost apply.']
      : rules.map(
          (r) =>
            `${r.workflowKey}/${r.rule.id}: ${r.enabled ? 'enabled' : 'disabled'}, trigger ${r.rule.trigger.kind}`,
        ),
  );
}

/** `rules preview WORKFLOW_KEY RULE_ID [--as-of DATE] [--days N]`: who would start, when, due when. */
export async function previewRuleCommand(
  key: string,
  ruleId: string,
  options: GlobalOptions & { asOf?: string; days?: string },
): Promise<void> {
  const days = options.days === undefined ? 365 : Number(options.days);
  if (!Number.isInteger(days) || days < 0)
    throw new CliError(`Invalid --days "${options.days}": use a whole number of days.`);
  const rows = await withEngine(options, async (engine) => {
    const { rule } = await engine.rules.get(key, ruleId);
    return engine.rules.preview(key, rule, {
      asOf: options.asOf ?? msToDate(engine.clock.now()),
      days,
    });
  });
  output(options, { workflow: key, rule: ruleId, matches: rows.length, rows }, () => [
    `${rows.length} start(s) in the next ${days} days:`,
    ...rows.map(
      (r) =>
        `  ${r.startDate} ${r.accountId} ${r.accountName}${r.occurrenceDate ? ` (anchor ${r.occurrenceDate})` : ''}`,
    ),
  ]);
}

/** `rules enable|disable WORKFLOW_KEY RULE_ID [--enroll-now]`. */
export async function setRuleCommand(
  enabled: boolean,
  key: string,
  ruleId: string,
  options: GlobalOptions & { enrollNow?: boolean },
): Promise<void> {
  const result = await withEngine(options, (engine) =>
    engine.rules.setEnabled(key, ruleId, enabled, { enrollNow: options.enrollNow ?? false }),
  );
  output(options, { workflow: key, rule: ruleId, enabled, ...result }, () => [
    `${key}/${ruleId} is ${enabled ? 'enabled' : 'disabled'}${result.enrolled ? `; enrolled ${result.enrolled} account(s) now` : ''}.`,
  ]);
}
