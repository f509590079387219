/** `npm run bench [-- --json]`: the project's benchmarks (never run as timed unit tests). */
import { runDecisionBench } from './decision.js';
import { formatConfigLoad, runConfigLoadBench } from './config-load.js';
import { DEFAULT_LOAD, runLoadBench } from './load.js';
import { checkTargets, formatLoad } from './load-report.js';

const json = process.argv.includes('--json');
const profile = process.argv.includes('--cpu-prof');
const started = Date.now();
const decision = runDecisionBench();
if (!json) {
  process.stdout.write(
    [
      `decision engine: ${decision.rules} rules, ${decision.agents} agents, ${decision.samples} decisions (node ${process.version})`,
      `  ${decision.per_second.toLocaleString('en-US')} decisions/s   p50 ${decision.p50_us} µs   p99 ${decision.p99_us} µs   max ${decision.max_us} µs   (target p99 < 50 µs)`,
      '',
    ].join('\n'),
  );
}
const configLoad = runConfigLoadBench();
if (!json) process.stdout.write(`${formatConfigLoad(configLoad)}\n`);
// The load run never fails the command on a missed target: it reports it.
const load = await runLoadBench(profile ? { ...DEFAULT_LOAD, appNodeArgs: ['--cpu-prof', '--cpu-prof-dir=.tmp/profiles'] } : DEFAULT_LOAD);
if (json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, decision, configLoad, load: { ...load, targets: checkTargets(load) }, seconds: Math.round((Date.now() - started) / 100) / 10 }, null, 2)}\n`);
} else {
  process.stdout.write(`${formatLoad(load)}  (whole bench ${Math.round((Date.now() - started) / 100) / 10} s)\n`);
}
