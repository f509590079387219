/** The `pbx-router` command line: validate, simulate, test, mode, demo, run, operator and deploy commands, schema. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Argument, Command, CommanderError, Option } from 'commander';
import { parse, stringify } from 'yaml';
import { loadPlan, summarize } from '../config/index.js';
import { formatProblem } from '../config/load.js';
import { jsonSchema } from '../config/schema.js';
import { decide } from '../routing/engine.js';
import type { Plan } from '../routing/types.js';
import { decisionJson, formatDecision } from './format.js';
import { StoreError } from '../store/db.js';
import { InputError, mergeSnapshots, modesFrom, parseDigits, parseInstant, readSnapshot, zoneFor } from './inputs.js';
import { runScenarioFile } from './scenarios.js';
import { runDemo } from './demo.js';
import { addRecordCommands } from './records.js';
import { addSmsCommands } from './sms.js';
import { addAdminCommands, defaultAdminUrl } from './admin-client.js';
import { addOncallCommands } from './oncall.js';
import { SecretsError } from '../config/secrets.js';
import { addRunCommand } from './run.js';
import { LogLevelError } from '../logging/logger.js';
import { AriUrlError } from '../asterisk/ari-url.js';
import { addDeployCommands } from './deploy.js';
import { addExplainCommand } from './explain.js';
import { addReportCommand } from './report.js';
import { addPromptCommands, promptTextWarnings } from './prompts.js';
import type { Io } from './io.js';

export type { Io } from './io.js';

const processIo: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

/** Exit codes of commands that load a config: 1 invalid, 2 could not be read (or bad usage). */
export const EXIT_INVALID = 1;
export const EXIT_UNREADABLE = 2;

/** Loads a plan, printing its warnings, or prints every problem, sets the exit code (1 invalid, 2 unreadable) and returns null. */
function planOrReport(path: string, io: Io, setCode: (c: number) => void): Plan | null {
  const { plan, problems, warnings, status } = loadPlan(path);
  for (const w of warnings) io.err(formatProblem(w));
  if (plan) return plan;
  for (const p of problems) io.err(formatProblem(p));
  io.err(`${problems.length} problem(s) in ${path}${warnings.length ? ` and ${warnings.length} warning(s)` : ''}`);
  if (problems.some((p) => p.code === 'schema' || p.code === 'yaml-syntax')) {
    io.err('(references, menus, rules and numbers are checked once these are fixed)');
  }
  setCode(status === 'unreadable' ? EXIT_UNREADABLE : EXIT_INVALID);
  return null;
}

export { reloadOnHangup } from './run.js';

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let code = 0;
  const load = (path: string) => planOrReport(path, io, (c) => (code = c));
  const program = new Command('pbx-router')
    .description('Call routing for clinics on Asterisk: validate, simulate and test routing rules')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError();

  program
    .command('validate')
    .description('check a config file or folder; prints every problem as file:line:col message')
    .argument('<config>', 'config file or folder')
    .action((config: string) => {
      const plan = load(config);
      if (!plan) return;
      io.out(`valid: ${summarize(plan)}`);
      for (const w of promptTextWarnings(config, plan)) io.err(w);
    });

  program
    .command('simulate')
    .description('follow one call through the rules and menus and print its path, outcome and trace')
    .requiredOption('-c, --config <file>', 'config file or folder')
    .requiredOption('--at <time>', 'arrival time, ISO-8601 with offset (without one: the site time zone)')
    .requiredOption('--did <number>', 'the number dialled (E.164)')
    .option('--caller <number>', 'the caller number (E.164); empty for anonymous', '')
    .option('--digits <keys>', 'keys pressed at the menus in order, e.g. 1,2 (none: menus time out)')
    .option('--language <code>', 'the caller language at arrival')
    .option('--priority <n>', 'priority at arrival', (v) => Number.parseInt(v, 10))
    .option('--agents <file>', 'world state YAML: agents (state), queues (waiting, longestWait), modes')
    .option('--state <file>', 'state file written by `pbx-router mode` (day/night overrides)')
    .addOption(new Option('--mode <mode>', 'manual override for every site').choices(['day', 'night', 'auto']))
    .option('--json', 'print one JSON object')
    .action((o: { config: string; at: string; did: string; caller: string; digits?: string; language?: string; priority?: number; agents?: string; state?: string; mode?: string; json?: boolean }) => {
      const plan = load(o.config);
      if (!plan) return;
      const zone = zoneFor(plan, o.did);
      const at = parseInstant(o.at, zone);
      const inputs = parseDigits(o.digits);
      const snapshot = mergeSnapshots(
        o.state && existsSync(o.state) ? readSnapshot(o.state, plan, zone) : {},
        o.agents ? readSnapshot(o.agents, plan, zone) : {},
        o.mode ? { modes: modesFrom(o.mode, plan, '--mode') } : {},
      );
      const ctx = { did: o.did, caller: o.caller, at, inputs, whenInputsEnd: 'timeout' as const, ...(o.language ? { language: o.language } : {}), ...(o.priority !== undefined ? { priority: o.priority } : {}) };
      const d = decide(plan, ctx, snapshot);
      const call = { did: o.did, caller: o.caller, at, inputs };
      io.out(o.json ? JSON.stringify(decisionJson(plan, call, d, zone), null, 2) : formatDecision(plan, call, d, zone));
    });

  program
    .command('test')
    .description('run clinic-written scenarios (expectations in YAML) against a config')
    .argument('<config>', 'config file or folder')
    .argument('[scenarios]', 'scenarios YAML (default: <config>.scenarios.yaml beside the config)')
    .option('-v, --verbose', 'print the path and trace of passing scenarios too')
    .action((config: string, scenarios: string | undefined, o: { verbose?: boolean }) => {
      const plan = load(config);
      if (!plan) return;
      const file = scenarios ?? config.replace(/\/?$/, '').replace(/\.ya?ml$/, '') + '.scenarios.yaml';
      const results = runScenarioFile(plan, file);
      let failed = 0;
      for (const r of results) {
        io.out(`${r.passed ? 'PASS' : 'FAIL'}  ${r.name}  (${file}:${r.line})`);
        if (!r.passed) {
          failed++;
          for (const f of r.failures) io.out(`      ${f}`);
        }
        if ((!r.passed || o.verbose) && r.report) io.out(r.report.replace(/^/gm, '      '));
      }
      io.out(`${results.length - failed} passed, ${failed} failed`);
      if (failed > 0 || results.length === 0) code = 1;
    });

  program
    .command('mode')
    .description('set the manual day/night override (auto follows the schedules) in a state file')
    .addArgument(new Argument('<mode>', 'day, night or auto').choices(['day', 'night', 'auto']))
    .option('--site <site>', 'only this site (default: every site)')
    .option('--state <file>', 'write the override to this state file (for simulate --state) instead of the running engine')
    .option('--engine <url>', 'the engine admin API (env PBX_ROUTER_ADMIN_URL, else http://<PBX_ROUTER_ADMIN_LISTEN>)', defaultAdminUrl())
    .option('-c, --config <file>', 'config, to check the site name')
    .option('--secrets <file>', 'secrets file with PBX_ROUTER_ADMIN_TOKEN (env PBX_ROUTER_SECRETS)')
    .action(async (mode: 'day' | 'night' | 'auto', o: { site?: string; state?: string; config?: string; engine: string; secrets?: string }) => {
      if (!o.state) return setEngineMode(mode, o.site, o.engine, o.secrets);
      if (o.config && o.site) {
        const plan = load(o.config);
        if (!plan) return;
        if (!plan.sites.has(o.site)) throw new InputError(`unknown site '${o.site}' (sites: ${[...plan.sites.keys()].join(', ')})`);
      }
      const current = existsSync(o.state) ? ((parse(readFileSync(o.state, 'utf8')) as Record<string, unknown> | null) ?? {}) : {};
      const modes = { ...((current.modes as Record<string, string>) ?? {}) };
      const key = o.site ?? '*';
      if (mode === 'auto') delete modes[key];
      else modes[key] = mode;
      if (!o.site && mode === 'auto') for (const k of Object.keys(modes)) delete modes[k];
      writeFileSync(o.state, stringify({ ...current, modes }));
      io.out(`mode ${mode} for ${o.site ?? 'every site'} written to ${o.state}`);
    });

  program
    .command('demo')
    .description('routing-only dry run: push a scripted day of calls through the decision engine (no PBX) and summarise; `npm run demo` runs the live engine')
    .option('-c, --config <file>', 'config file or folder', 'config/example-clinic.yaml')
    .option('--date <date>', 'the day to simulate (YYYY-MM-DD, site time zone)', '2026-11-23')
    .option('--calls <n>', 'number of calls', (v) => Number.parseInt(v, 10), 300)
    .option('--seed <n>', 'random seed', (v) => Number.parseInt(v, 10), 7)
    .option('--quiet', 'print only the summary')
    .action((o: { config: string; date: string; calls: number; seed: number; quiet?: boolean }) => {
      const plan = load(o.config);
      if (!plan) return;
      runDemo(plan, o, io);
    });

  addRunCommand(program, io, (c) => (code = c));
  addRecordCommands(program, io, (c) => (code = c));
  addExplainCommand(program, io);
  addReportCommand(program, io);
  const setEngineMode = addAdminCommands(program, io, (c) => (code = c));
  addOncallCommands(program, io, load);
  addSmsCommands(program, io, load, (c) => (code = c));
  addDeployCommands(program, io, load, (c) => (code = c));
  addPromptCommands(program, io, load, (c) => (code = c));

  program
    .command('schema')
    .description('print the JSON Schema (draft-07) of the routing configuration')
    .action(() => io.out(JSON.stringify(jsonSchema(), null, 2)));

  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (e instanceof InputError || e instanceof SecretsError || e instanceof LogLevelError || e instanceof AriUrlError) {
      io.err(`error: ${e.message}`);
      return 2;
    }
    // A store that cannot be opened (unreachable, too new, not SQLite...): its one line says what to do.
    if (e instanceof StoreError) {
      io.err(`error: ${e.message}`);
      return 1;
    }
    throw e;
  }
  return code;
}
