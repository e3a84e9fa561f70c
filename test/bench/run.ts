import { runAlertsBench } from './alerts.ts';
import { runDesignerBench } from './designer.ts';
import { runEngineBench } from './engine-throughput.ts';
import { print } from './report.ts';
import { runReportsBench } from './reports.ts';
import { runAccountSearchBench, runRuleStartBench } from './scale.ts';

/**
 * Runs every benchmark and prints each figure as one JSON line: `{ name, value, unit }`.
 * `pnpm bench engine` runs only the benchmarks whose name starts with the given word.
 */
const benches: Record<string, () => Promise<unknown>> = {
  engine: () => runEngineBench(Number(process.env.MILEPOST_BENCH_INSTANCES ?? 10_000)),
  rules: () => runRuleStartBench(),
  accounts: () => runAccountSearchBench(),
  designer: async () => (await runDesignerBench()).map(print),
  reports: () => runReportsBench(),
  alerts: () => runAlertsBench(),
};

const only = process.argv[2];
for (const [name, run] of Object.entries(benches)) {
  if (only && !name.startsWith(only)) continue;
  await run();
}
