/**
 * Loading a configuration end to end: read, parse, check structure and meaning, read iCalendar
 * closures, compile. Every problem of every stage is collected; a plan exists only when there are
 * no errors. Nothing here throws for any input: a failure of the loader itself is a problem too.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { IANAZone } from 'luxon';
import { parseSources, type ParsedConfig, type Problem, type Source } from './load.js';
import { structureProblems } from './structure.js';
import { semanticIssues } from './semantic.js';
import { compilePlan } from './compile.js';
import { LIMITS, type LoadLimits } from './limits.js';
import { printable } from './printable.js';
import { readBounded, readConfig } from './read.js';
import type { Config } from './schema.js';
import type { Plan } from '../routing/types.js';

/** valid: a plan; invalid: the config has errors; unreadable: it could not be read at all. */
export type LoadStatus = 'valid' | 'invalid' | 'unreadable';

export interface LoadResult {
  readonly status: LoadStatus;
  readonly plan: Plan | null;
  /** Errors: any of them means no plan. */
  readonly problems: readonly Problem[];
  /** Printed, but the plan is used. */
  readonly warnings: readonly Problem[];
  readonly parsed: ParsedConfig | null;
}

/** Loads and compiles a config file or folder; never throws, returns the problems of a bad config. */
export function loadPlan(path: string, displayBase = process.cwd(), limits: LoadLimits = LIMITS): LoadResult {
  const shown = (p: string) => relative(displayBase, p) || p;
  const read = readConfig(path, limits);
  if (read.failures.length > 0) {
    const problems = read.failures.map((f) => ({ file: shown(f.path), line: 1, col: 1, code: 'unreadable', message: `cannot read the configuration: ${f.message}` }));
    return { status: 'unreadable', plan: null, parsed: null, problems: finish(problems, limits), warnings: [] };
  }
  if (read.sources.length === 0) {
    return { status: 'unreadable', plan: null, parsed: null, problems: [{ file: shown(path), line: 1, col: 1, code: 'empty-folder', message: 'the folder has no .yaml or .yml files' }], warnings: [] };
  }
  return compileSources(read.sources, displayBase, limits);
}

/** Like loadPlan, for sources already in memory (tests, reload over the API); never throws. */
export function compileSources(sources: readonly Source[], displayBase = process.cwd(), limits: LoadLimits = LIMITS): LoadResult {
  let parsed: ParsedConfig | null = null;
  try {
    parsed = parseSources(sources, displayBase, limits);
    return check(parsed, sources, limits);
  } catch (e) {
    // A bug of the loader, not of the config: still a located problem, never a crash of a reload.
    const at = parsed?.locate([]) ?? { file: sources[0]?.path ?? '(no file)', line: 1, col: 1 };
    const message = `the configuration could not be checked (${printable((e as Error).message ?? String(e), 200)}); please report this with the file`;
    return { status: 'invalid', plan: null, parsed, problems: [{ ...at, code: 'internal', message }], warnings: [] };
  }
}

function check(parsed: ParsedConfig, sources: readonly Source[], limits: LoadLimits): LoadResult {
  const problems: Problem[] = [...parsed.problems];
  const invalid = (): LoadResult => ({ status: 'invalid', plan: null, parsed, problems: finish(problems, limits), warnings: [] });
  if (problems.length > 0) return invalid();
  const config = parsed.raw as Config;
  const rules = Object.values(parsed.raw.routes && typeof parsed.raw.routes === 'object' ? parsed.raw.routes : {}).reduce<number>((n, r) => n + (Array.isArray(r) ? r.length : 0), 0);
  if (rules > limits.rules) {
    problems.push({ ...parsed.locate(['routes'], true), code: 'too-large', message: `${rules} rules, more than the ${limits.rules} allowed; split the rule sets or use fewer, broader rules` });
    return invalid();
  }
  const structure = structureProblems(parsed, limits.problems);
  problems.push(...structure.problems);
  if (problems.length > 0) return { ...invalid(), problems: finish(problems, limits, structure.omitted) };

  const zones = new Map<string, boolean>();
  const validZone = (zone: string) => zones.get(zone) ?? zones.set(zone, IANAZone.isValidZone(zone)).get(zone)!;
  for (const [id, site] of Object.entries(config.sites ?? {})) {
    if (!validZone(site.timezone)) {
      problems.push({ ...parsed.locate(['sites', id, 'timezone']), code: 'bad-timezone', message: `'${printable(site.timezone, 60)}' is not a known time zone (expected an IANA name such as America/Chicago)` });
    }
  }
  const ical = new Map<string, string>();
  for (const [id, s] of Object.entries(config.schedules ?? {})) {
    if (s.ical === undefined) continue;
    const file = isAbsolute(s.ical) ? s.ical : join(parsed.dirOf(['schedules', id]), s.ical);
    const r = readBounded(file, limits.icalBytes);
    if (r.ok) ical.set(id, r.text);
    else problems.push({ ...parsed.locate(['schedules', id, 'ical']), code: 'unreadable-ical', message: `cannot read the iCalendar file ${printable(s.ical, 100)}: ${r.message === 'no such file or folder' ? 'no such file' : r.message}` });
  }
  const warnings: Problem[] = [];
  const transcriptionDir = parsed.dirOf(['transcription']);
  const model = config.transcription?.model;
  // A warning, not an error: the model lives on the clinic server, and the config may be checked elsewhere.
  if (model !== undefined && !existsSync(isAbsolute(model) ? model : join(transcriptionDir, model))) {
    warnings.push({
      ...parsed.locate(['transcription', 'model']),
      code: 'missing-model',
      severity: 'warning',
      message: `the model file ${printable(model, 200)} does not exist here (read ${isAbsolute(model) ? 'as written' : `from ${printable(transcriptionDir, 200)}`}); copy the clinic's model there before transcription runs (nothing is downloaded), or transcriptions will fail`,
    });
  }
  for (const issue of semanticIssues(config)) {
    const problem: Problem = { ...parsed.locate(issue.path, issue.key), code: issue.code, message: issue.message, ...(issue.severity ? { severity: issue.severity } : {}) };
    (issue.severity === 'warning' ? warnings : problems).push(problem);
  }
  if (problems.length > 0) return { ...invalid(), warnings: finish(warnings, limits) };
  try {
    const plan = compilePlan({ config, ical, texts: sources.map((s) => s.text), transcriptionDir });
    return { status: 'valid', plan, parsed, problems: [], warnings: finish(warnings, limits) };
  } catch (e) {
    const message = (e as Error).message;
    const schedule = /^schedule (\S+):/.exec(message)?.[1];
    const at = schedule ? parsed.locate(['schedules', schedule, 'ical']) : parsed.locate([]);
    return { status: 'invalid', plan: null, parsed, problems: [{ ...at, code: 'compile', message: printable(message, 400) }], warnings: finish(warnings, limits) };
  }
}

/** Sorted by place, printable, and at most `limits.problems` of them (then one line saying how many more, `omitted` included). */
function finish(problems: Problem[], limits: LoadLimits, omitted = 0): Problem[] {
  const clean = problems
    .map((p) => ({ ...p, file: printable(p.file, 300), message: printable(p.message, 1000) }))
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
  if (clean.length <= limits.problems && omitted === 0) return clean;
  const kept = clean.slice(0, limits.problems);
  const more = clean.length - kept.length + omitted;
  const at = clean[limits.problems] ?? kept[kept.length - 1]!;
  return [...kept, { ...at, code: 'too-many-problems', message: `and ${more} more problem(s) not listed; fix the ones above first` }];
}

/** One line saying what a valid plan holds. */
export function summarize(plan: Plan): string {
  const rules = [...plan.ruleSets.values()].reduce((n, s) => n + s.rules.length, 0);
  return `${plan.clinic.name}: ${plan.sites.size} site(s), ${plan.agents.size} agent(s), ${plan.queues.size} queue(s), ${plan.menus.size} menu(s), ${plan.rosters.size} roster(s), ${plan.mailboxes.size} mailbox(es), ${rules} rule(s) in ${plan.ruleSets.size} rule set(s); version ${plan.version}`;
}
