/** `npm run bench [-- --json]`: the project's benchmarks (never run as timed unit tests). */
import { runDecisionBench } from './decision.js';

const json = process.argv.includes('--json');
const decision = runDecisionBench();
if (json) {
  process.stdout.write(`${JSON.stringify({ node: process.version, decision }, null, 2)}\n`);
} else {
  process.stdout.write(
    [
      `decision engine: ${decision.rules} rules, ${decision.agents} agents, ${decision.samples} decisions (node ${process.version})`,
      `  ${decision.per_second.toLocaleString('en-US')} decisions/s   p50 ${decision.p50_us} µs   p99 ${decision.p99_us} µs   max ${decision.max_us} µs   (target p99 < 50 µs)`,
      '',
    ].join('\n'),
  );
}
