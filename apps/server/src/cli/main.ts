import { Command, Option } from 'commander';
import { InvalidRequestError, NotFoundError } from '@milepost/engine';
import { DefinitionError } from '@milepost/model';
import { importAccountsCommand } from './commands/accounts.ts';
import { seedCommand } from './commands/demo.ts';
import { demoRavenstackCommand } from './commands/demo-ravenstack.ts';
import {
  addUserCommand,
  deployCommand,
  durationsCommand,
  migrateCommand,
} from './commands/operations.ts';
import { serveCommand } from './commands/serve.ts';
import { simulateCommand } from './commands/simulate.ts';
import { applyCommand, publishCommand, validateCommand } from './commands/workflows.ts';
import { importAccountFieldsCommand } from './commands/account-fields.ts';
import { importMetricsCommand } from './commands/metrics.ts';
import { listRulesCommand, previewRuleCommand, setRuleCommand } from './commands/rules.ts';
import {
  backtestAlertsCommand,
  evaluateAlertsCommand,
  listAlertTypesCommand,
} from './commands/alerts.ts';
import { replayCommand, tickCommand } from './commands/scheduler.ts';
import { CliError, type GlobalOptions } from './runtime.ts';

const program = new Command('milepost')
  .description('Customer-success workflows: design, deploy and measure milestone processes.')
  .showHelpAfterError();

/** Adds the options every command takes. */
function command(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .option(
      '--db <url>',
      'database: a SQLite file path or a postgres:// URL (default MILEPOST_DATABASE_URL or ./data/milepost.db)',
    )
    .option('--json', 'print one JSON object on standard output, for scripts')
    .option(
      '--clock <date>',
      'start the clock at this ISO date or time instead of now (default MILEPOST_CLOCK)',
    );
}

command(program, 'serve', 'serve the API and the web app')
  .option('--port <number>', 'port to listen on (default MILEPOST_PORT or 3000)')
  .option('--host <address>', 'address to listen on (default 0.0.0.0)')
  .option(
    '--no-scheduler',
    'do not run scheduler passes in this process (MILEPOST_SCHEDULER_INTERVAL_MS sets their interval, default 60000)',
  )
  .action(serveCommand);

command(program, 'migrate', 'apply pending database migrations').action(migrateCommand);

const user = program.command('user').description('manage users');
command(
  user,
  'add <email>',
  'add a user; the password comes from standard input or MILEPOST_PASSWORD',
)
  .addOption(
    new Option('--role <role>', "the user's role")
      .choices(['admin', 'lead', 'csm'])
      .makeOptionMandatory(),
  )
  .option('--name <name>', 'display name (default: the part of the email before @)')
  .action(addUserCommand);

const workflow = program.command('workflow').description('check and publish workflow definitions');
command(workflow, 'validate <file>', 'check a definition file and list every problem').action(
  validateCommand,
);
command(workflow, 'publish <file>', 'publish a definition file as the next version, if it changed')
  .option('--accept-warnings', 'publish even when the simulation warns')
  .action(publishCommand);
command(workflow, 'simulate <file>', 'project the timeline and list the warnings, writing nothing')
  .option('--account <id>', 'dry run on this account: its fields and dates')
  .option('--as-of <date>', 'today for the simulation, YYYY-MM-DD (default: today)')
  .action(simulateCommand);

command(
  program,
  'apply <path>',
  'load team files and publish every changed workflow file under a path',
)
  .option('--accept-warnings', 'publish even when a simulation warns')
  .action(applyCommand);

const importer = program.command('import').description('import data from CSV files');
command(importer, 'accounts <csv>', 'import accounts, updating existing ones by id')
  .requiredOption('--mapping <file>', 'JSON mapping of the CSV columns to account fields')
  .option('--skip-invalid', 'import the valid rows even when some rows are invalid')
  .action(importAccountsCommand);
command(
  importer,
  'account-fields <csv>',
  'fill account fields by aggregating a related table per account',
)
  .requiredOption(
    '--mapping <file>',
    'JSON mapping: account column, filter, and fields with their aggregate',
  )
  .option('--skip-invalid', 'use the valid rows even when some rows are invalid')
  .action(importAccountFieldsCommand);
command(importer, 'metrics <csv>', 'import daily metric values per account, summed per day')
  .requiredOption(
    '--mapping <file>',
    'JSON mapping: account column or lookup, date column, id column, and metrics with their column',
  )
  .option(
    '--lookup <csv>',
    "CSV that maps the mapping's lookup key to account ids, when the mapping has a lookup",
  )
  .option('--skip-invalid', 'import the valid rows even when some rows are invalid')
  .action(importMetricsCommand);

command(program, 'deploy <workflowKey>', 'start the latest published version on accounts')
  .option('--all', 'every account')
  .option('--account <id...>', 'these accounts')
  .action(deployCommand);

const report = program.command('report').description('reports');
command(report, 'durations <workflowKey>', 'per-milestone durations against targets')
  .option('--version <number>', 'workflow version (default: the latest)')
  .action(durationsCommand);

command(program, 'tick', 'run one scheduler pass: rules, due timers')
  .option('--as-of <date>', 'the pass runs at midnight UTC of this date (default: today)')
  .action(tickCommand);

command(program, 'replay', 'run the scheduler day by day over a date range on a simulated clock')
  .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
  .option('--team <file>', 'team file whose members work their tasks as the days pass')
  .option('--seed <number>', "seed of the simulated team (default: the team file's, or 1)")
  .action(replayCommand);

const rules = program.command('rules').description('deployment rules of workflows');
command(rules, 'list [workflowKey]', 'list deployment rules').action(listRulesCommand);
command(
  rules,
  'preview <workflowKey> <ruleId>',
  'accounts a rule would start on, with dates and due dates',
)
  .option('--as-of <date>', 'preview from this date (default: today)')
  .option('--days <number>', 'how many days ahead (default 365)')
  .action(previewRuleCommand);
command(rules, 'enable <workflowKey> <ruleId>', 'enable a rule from today on')
  .option('--enroll-now', 'also start the workflow on accounts that already match')
  .action((key: string, id: string, options: GlobalOptions & { enrollNow?: boolean }) =>
    setRuleCommand(true, key, id, options),
  );
command(rules, 'disable <workflowKey> <ruleId>', 'disable a rule').action(
  (key: string, id: string, options: GlobalOptions) => setRuleCommand(false, key, id, options),
);

const alerts = program.command('alerts').description('alert types and their evaluation');
command(alerts, 'list', 'list alert types, their cadence and how far each was evaluated').action(
  listAlertTypesCommand,
);
command(alerts, 'evaluate', 'raise the alerts of every enabled type evaluated on a date')
  .requiredOption(
    '--as-of <date>',
    'evaluation day, YYYY-MM-DD; reads metrics up to the day before',
  )
  .option('--type <key>', 'evaluate only this alert type, enabled or not')
  .action(evaluateAlertsCommand);
command(alerts, 'backtest <key>', 'list qualifying accounts per evaluation day, writing nothing')
  .requiredOption('--from <date>', 'first day, YYYY-MM-DD')
  .requiredOption('--to <date>', 'last day, YYYY-MM-DD')
  .action(backtestAlertsCommand);

const demo = program.command('demo').description('demo data');
command(
  demo,
  'seed',
  'seed the demo team, accounts, workflows, playbooks, alert types, usage and their history',
)
  .option('--if-empty', 'do nothing when the database already has users')
  .option('--seed <number>', 'random seed of the simulated team (default 7)')
  .action(seedCommand);
command(
  demo,
  'ravenstack',
  'import the RavenStack tables into an empty database and replay 2023-2024 with the example team',
)
  .requiredOption(
    '--data <dir>',
    'folder with the three RavenStack CSV files, directly or in its ravenstack/ subfolder',
  )
  .option('--seed <number>', "seed of the simulated team (default: the team file's, or 1)")
  .action(demoRavenstackCommand);

try {
  await program.parseAsync();
} catch (error) {
  const json = process.argv.includes('--json');
  const known =
    error instanceof CliError || error instanceof DefinitionError || error instanceof Error;
  const message = known ? (error as Error).message : String(error);
  if (json) {
    const details = error instanceof CliError ? error.details : undefined;
    process.stderr.write(
      `${JSON.stringify({ error: message, ...(details ? { details } : {}) })}\n`,
    );
  } else {
    process.stderr.write(`milepost: ${message}\n`);
    if (
      !(error instanceof CliError) &&
      !(error instanceof DefinitionError) &&
      !(error instanceof InvalidRequestError) &&
      !(error instanceof NotFoundError) &&
      error instanceof Error
    ) {
      process.stderr.write(`${error.stack ?? ''}\n`);
    }
  }
  process.exitCode = 1;
}
