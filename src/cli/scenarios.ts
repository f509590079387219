/**
 * Clinic-written expectations ("Monday 09:00, main number, keys 1 -> queue scheduling"), run
 * against a plan like unit tests. A failure shows what was expected, what happened and the trace.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { decide } from '../routing/engine.js';
import type { Decision, Plan, Snapshot } from '../routing/types.js';
import { formatDecision } from './format.js';
import { InputError, mergeSnapshots, parseDigits, parseInstant, snapshotFrom, zoneFor } from './inputs.js';

export interface Expectation {
  action?: string;
  target?: string | null;
  priority?: number;
  site?: string | null;
  language?: string;
  tags?: string[];
  menus?: string[];
  firstAgent?: string | null;
  agents?: string[];
  onCall?: string;
  deadline?: string;
  status?: 'done' | 'awaiting-input';
}

export interface ScenarioResult {
  readonly name: string;
  readonly line: number;
  readonly passed: boolean;
  readonly failures: readonly string[];
  readonly report: string;
}

const EXPECT_KEYS = ['action', 'target', 'priority', 'site', 'language', 'tags', 'menus', 'firstAgent', 'agents', 'onCall', 'deadline', 'status'];
const SCENARIO_KEYS = ['name', 'at', 'did', 'caller', 'digits', 'keys', 'language', 'priority', 'tags', 'state', 'agents', 'queues', 'mode', 'expect'];

/** Runs every scenario of a YAML file against the plan. */
export function runScenarioFile(plan: Plan, file: string): ScenarioResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read scenarios ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines });
  if (doc.errors.length) {
    const pos = lines.linePos(doc.errors[0]!.pos[0]);
    throw new InputError(`${file}:${pos.line}:${pos.col} ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  const root = doc.toJS() as { defaults?: Record<string, unknown>; scenarios?: Record<string, unknown>[] } | null;
  if (!root || !Array.isArray(root.scenarios)) throw new InputError(`${file}:1:1 expected a 'scenarios' list`);
  const seq = doc.get('scenarios', true);
  const lineOf = (i: number) => {
    const node = isSeq(seq) ? seq.items[i] : undefined;
    const range = node && (isMap(node) || isSeq(node)) ? node.range : undefined;
    return range ? lines.linePos(range[0]).line : 1;
  };
  const defaults = root.defaults ?? {};
  return root.scenarios.map((s, i) => runScenario(plan, { ...defaults, ...s }, `${file}:${lineOf(i)}`, lineOf(i)));
}

function runScenario(plan: Plan, s: Record<string, unknown>, where: string, line: number): ScenarioResult {
  const name = String(s.name ?? `scenario at line ${line}`);
  try {
    for (const k of Object.keys(s)) if (!SCENARIO_KEYS.includes(k)) throw new InputError(`${where}: unknown key '${k}' (expected one of ${SCENARIO_KEYS.join(', ')})`);
    const did = String(s.did ?? '');
    if (!did) throw new InputError(`${where}: scenario '${name}' has no did`);
    const zone = zoneFor(plan, did);
    if (s.at === undefined) throw new InputError(`${where}: scenario '${name}' has no 'at' time`);
    const at = parseInstant(String(s.at), zone, `${where}: at`);
    const inputs = parseDigits((s.digits ?? s.keys) as string | undefined);
    const snapshot: Snapshot = mergeSnapshots(
      snapshotFrom(s.state, plan, `${where}: state`, zone),
      snapshotFrom({ agents: s.agents, queues: s.queues, modes: s.mode }, plan, where, zone),
    );
    const decision = decide(
      plan,
      {
        did,
        caller: String(s.caller ?? ''),
        at,
        inputs,
        whenInputsEnd: 'timeout',
        ...(s.language !== undefined ? { language: String(s.language) } : {}),
        ...(s.priority !== undefined ? { priority: Number(s.priority) } : {}),
        ...(Array.isArray(s.tags) ? { tags: s.tags.map(String) } : {}),
      },
      snapshot,
    );
    const expect = (s.expect ?? {}) as Expectation;
    const failures = compare(plan, expect, decision, where);
    const report = formatDecision(plan, { did, caller: String(s.caller ?? ''), at, inputs }, decision, zone);
    return { name, line, passed: failures.length === 0, failures, report };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { name, line, passed: false, failures: [e.message], report: '' };
  }
}

function compare(plan: Plan, want: Expectation, d: Decision, where: string): string[] {
  const failures: string[] = [];
  for (const k of Object.keys(want)) if (!EXPECT_KEYS.includes(k)) failures.push(`${where}: unknown expectation '${k}' (expected one of ${EXPECT_KEYS.join(', ')})`);
  const check = (what: string, expected: unknown, actual: unknown) => {
    if (expected === undefined) return;
    if (JSON.stringify(expected) !== JSON.stringify(actual)) failures.push(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  };
  check('status', want.status, d.status);
  const o = d.status === 'done' ? d.outcome : null;
  check('action', want.action, o?.action ?? `(waiting at menu ${d.status === 'awaiting-input' ? d.menu : ''})`);
  check('target', want.target, o?.target ?? null);
  check('priority', want.priority, o?.priority);
  check('site', want.site, d.site);
  check('language', want.language, o?.language);
  check('menus', want.menus, [...new Set(d.steps.flatMap((s) => (s.kind === 'menu' ? [s.menu] : [])))]);
  if (want.tags) for (const t of want.tags) if (!o?.tags.includes(t)) failures.push(`tags: expected to include ${t}, got ${JSON.stringify(o?.tags ?? [])}`);
  const queue = o?.action === 'queue' ? o.queue : null;
  check('firstAgent', want.firstAgent, queue?.candidates[0] ?? null);
  check('agents', want.agents, queue?.candidates);
  check('onCall', want.onCall, o?.action === 'forward' ? o.forward.onCall : undefined);
  if (want.deadline !== undefined) {
    const zone = (d.site && plan.sites.get(d.site)?.timezone) || 'UTC';
    const got = o?.action === 'callback' ? o.callback.deadline : null;
    const wantMs = parseInstant(want.deadline, zone, `${where}: expect.deadline`);
    if (got !== wantMs) failures.push(`deadline: expected ${want.deadline}, got ${got === null ? 'none' : DateTime.fromMillis(got, { zone }).toISO()}`);
  }
  return failures;
}
