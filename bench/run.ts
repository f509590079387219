/**
 * `npm run bench [-- --json] [--only decision,config,sms,transcribe,store,load] [--store sqlite,postgres] [--quick]`:
 * the project's benchmarks (never run as timed unit tests). Without --only every section runs: decision, config, sms,
 * transcribe, store, then load. `--store` names the stores the load section runs the engine on, one run each
 * (default sqlite); `--quick` shortens the load section (10 and 50 calls/s for 4 s, 200 waiting callers).
 */
import { runDecisionBench, type DecisionFigures } from './decision.js';
import { formatConfigLoad, runConfigLoadBench } from './config-load.js';
import { DEFAULT_LOAD, QUICK_LOAD, runLoadStores } from './load.js';
import { checkTargets, formatLoadStores } from './load-report.js';
import { formatSms, runSmsBench } from './sms.js';
import { formatStore, runStoreBench, type StoreKind } from './store.js';
import { formatTranscribe, runTranscribeBench } from './transcribe.js';

const SECTIONS = ['decision', 'config', 'load', 'sms', 'transcribe', 'store'] as const;
type Section = (typeof SECTIONS)[number];

/** The sections named by `--only a,b` (or `--only a --only b`); every section without it. */
function selected(argv: readonly string[]): readonly Section[] {
  const named = argv.flatMap((a, i) => (a === '--only' ? (argv[i + 1] ?? '').split(',') : a.startsWith('--only=') ? a.slice(7).split(',') : [])).filter((s) => s !== '');
  if (argv.includes('--only') && named.length === 0) throw new Error(`--only needs a section: ${SECTIONS.join(', ')}`);
  const unknown = named.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown bench section ${unknown.join(', ')}; the sections are ${SECTIONS.join(', ')}`);
  return named.length ? SECTIONS.filter((s) => named.includes(s)) : SECTIONS;
}

const STORES = ['sqlite', 'postgres'] as const;

/** The stores named by `--store a,b` (or `--store=a,b`), in that order; sqlite alone without it. */
function stores(argv: readonly string[]): readonly StoreKind[] {
  const named = argv.flatMap((a, i) => (a === '--store' ? (argv[i + 1] ?? '').split(',') : a.startsWith('--store=') ? a.slice(8).split(',') : [])).filter((s) => s !== '');
  if (argv.includes('--store') && named.length === 0) throw new Error(`--store needs a store: ${STORES.join(', ')}`);
  const unknown = named.filter((s) => !(STORES as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown store ${unknown.join(', ')}; the stores are ${STORES.join(', ')}`);
  return named.length ? [...new Set(named as StoreKind[])] : ['sqlite'];
}

let only: readonly Section[];
let loadStores: readonly StoreKind[];
try {
  only = selected(process.argv.slice(2));
  loadStores = stores(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(2);
}
const json = process.argv.includes('--json');
const profile = process.argv.includes('--cpu-prof');
const started = Date.now();
const out: Record<string, unknown> = { node: process.version };
const print = (text: string) => !json && process.stdout.write(text);

if (only.includes('decision')) {
  const decision: DecisionFigures = runDecisionBench();
  out.decision = decision;
  print(
    [
      `decision engine: ${decision.rules} rules, ${decision.agents} agents, ${decision.samples} decisions (node ${process.version})`,
      `  ${decision.per_second.toLocaleString('en-US')} decisions/s   p50 ${decision.p50_us} µs   p99 ${decision.p99_us} µs   max ${decision.max_us} µs   (target p99 < 50 µs)`,
      '',
    ].join('\n'),
  );
}
if (only.includes('config')) {
  const configLoad = runConfigLoadBench();
  out.configLoad = configLoad;
  print(`${formatConfigLoad(configLoad)}\n`);
}
if (only.includes('sms')) {
  const sms = await runSmsBench();
  out.sms = sms;
  print(`${formatSms(sms)}\n`);
}
if (only.includes('transcribe')) {
  const transcribe = await runTranscribeBench();
  out.transcribe = transcribe;
  print(formatTranscribe(transcribe));
}
if (only.includes('store')) {
  const store = await runStoreBench();
  out.store = store;
  print(formatStore(store));
}
if (only.includes('load')) {
  // The load run never fails the command on a missed target: it reports it.
  const base = process.argv.includes('--quick') ? QUICK_LOAD : DEFAULT_LOAD;
  const runs = await runLoadStores(loadStores, profile ? { ...base, appNodeArgs: ['--cpu-prof', '--cpu-prof-dir=.tmp/profiles'] } : base);
  // One store: the figures as before; several: keyed by store.
  const withTargets = runs.map((l) => ({ ...l, targets: checkTargets(l) }));
  out.load = withTargets.length === 1 ? withTargets[0] : Object.fromEntries(withTargets.map((l) => [l.store, l]));
  print(formatLoadStores(runs));
}
const seconds = Math.round((Date.now() - started) / 100) / 10;
if (json) process.stdout.write(`${JSON.stringify({ ...out, seconds }, null, 2)}\n`);
else process.stdout.write(`  (whole bench ${seconds} s)\n`);
