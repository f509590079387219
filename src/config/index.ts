/**
 * Loading a configuration end to end: read, parse, check structure and meaning, read iCalendar
 * closures, compile. Every problem of every stage is collected; a plan exists only when there are none.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { IANAZone } from 'luxon';
import { parseSources, readSources, type ParsedConfig, type Problem, type Source } from './load.js';
import { structureProblems } from './structure.js';
import { semanticIssues } from './semantic.js';
import { compilePlan } from './compile.js';
import type { Config } from './schema.js';
import type { Plan } from '../routing/types.js';

export interface LoadResult {
  readonly plan: Plan | null;
  readonly problems: readonly Problem[];
  readonly parsed: ParsedConfig | null;
}

/** Loads and compiles a config file or folder; never throws for a bad config, returns its problems. */
export function loadPlan(path: string, displayBase = process.cwd()): LoadResult {
  let sources: Source[];
  try {
    sources = readSources(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const what = err.code === 'ENOENT' ? 'no such file or folder' : err.message;
    return { plan: null, parsed: null, problems: [{ file: relative(displayBase, path) || path, line: 1, col: 1, code: 'unreadable', message: `cannot read the configuration: ${what}` }] };
  }
  if (sources.length === 0) {
    return { plan: null, parsed: null, problems: [{ file: path, line: 1, col: 1, code: 'empty-folder', message: 'the folder has no .yaml or .yml files' }] };
  }
  return compileSources(sources, displayBase);
}

/** Like loadPlan, for sources already in memory (tests, reload over the API). */
export function compileSources(sources: readonly Source[], displayBase = process.cwd()): LoadResult {
  const parsed = parseSources(sources, displayBase);
  const problems: Problem[] = [...parsed.problems];
  if (problems.length > 0) return { plan: null, parsed, problems: sorted(problems) };
  problems.push(...structureProblems(parsed));
  if (problems.length > 0) return { plan: null, parsed, problems: sorted(problems) };

  const config = parsed.raw as Config;
  for (const [id, site] of Object.entries(config.sites ?? {})) {
    if (!IANAZone.isValidZone(site.timezone)) {
      problems.push({ ...parsed.locate(['sites', id, 'timezone']), code: 'bad-timezone', message: `'${site.timezone}' is not a known time zone (expected an IANA name such as America/Chicago)` });
    }
  }
  const ical = new Map<string, string>();
  for (const [id, s] of Object.entries(config.schedules ?? {})) {
    if (s.ical === undefined) continue;
    const file = isAbsolute(s.ical) ? s.ical : join(parsed.dirOf(['schedules', id]), s.ical);
    try {
      ical.set(id, readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push({ ...parsed.locate(['schedules', id, 'ical']), code: 'unreadable-ical', message: `cannot read the iCalendar file ${s.ical}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}` });
    }
  }
  for (const issue of semanticIssues(config)) {
    problems.push({ ...parsed.locate(issue.path, issue.key), code: issue.code, message: issue.message });
  }
  if (problems.length > 0) return { plan: null, parsed, problems: sorted(problems) };
  try {
    const plan = compilePlan({ config, ical, texts: sources.map((s) => s.text) });
    return { plan, parsed, problems: [] };
  } catch (e) {
    const message = (e as Error).message;
    const schedule = /^schedule (\S+):/.exec(message)?.[1];
    const at = schedule ? parsed.locate(['schedules', schedule, 'ical']) : parsed.locate([]);
    return { plan: null, parsed, problems: [{ ...at, code: 'compile', message }] };
  }
}

function sorted(problems: Problem[]): Problem[] {
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

/** One line saying what a valid plan holds. */
export function summarize(plan: Plan): string {
  const rules = [...plan.ruleSets.values()].reduce((n, s) => n + s.rules.length, 0);
  return `${plan.clinic.name}: ${plan.sites.size} site(s), ${plan.agents.size} agent(s), ${plan.queues.size} queue(s), ${plan.menus.size} menu(s), ${plan.rosters.size} roster(s), ${plan.mailboxes.size} mailbox(es), ${rules} rule(s) in ${plan.ruleSets.size} rule set(s); version ${plan.version}`;
}
