/**
 * Reading what the command line is given besides the config: times with or without an offset,
 * digit lists, and a world-state file (agents, queues, day/night modes) for simulate and test.
 */
import { readFileSync } from 'node:fs';
import { DateTime } from 'luxon';
import { parse } from 'yaml';
import type { AgentSnapshot, AgentState, Mode, Plan, QueueSnapshot, Snapshot } from '../routing/types.js';

export class InputError extends Error {
  readonly code = 'bad-input';
}

const AGENT_STATES: readonly AgentState[] = ['available', 'ringing', 'busy', 'wrap-up', 'paused', 'offline'];
const MODES: readonly Mode[] = ['day', 'night', 'auto'];

/** The time zone a call to this DID is shown in: its site's, else the first site's, else UTC. */
export function zoneFor(plan: Plan, did: string): string {
  const site = plan.didToSite.get(did);
  if (site) return plan.sites.get(site)!.timezone;
  return plan.sites.values().next().value?.timezone ?? 'UTC';
}

/** Parses an instant: ISO-8601 with an offset, or a local date-time read in the given zone. */
export function parseInstant(text: string, zone: string, what = '--at'): number {
  const hasOffset = /(Z|[+-]\d{2}(:?\d{2})?)$/.test(text);
  const dt = hasOffset ? DateTime.fromISO(text, { setZone: true }) : DateTime.fromISO(text, { zone });
  if (!dt.isValid) throw new InputError(`${what} '${text}' is not a date and time (expected ISO-8601 such as 2026-11-23T09:00:00-06:00, or 2026-11-23T09:00 in the site's time zone)`);
  return dt.toMillis();
}

/** Parses `1,2` or `1 2` or `12` into keys; `t` or `timeout` stands for pressing nothing. */
export function parseDigits(value: string | readonly (string | number)[] | number | undefined): string[] {
  if (value === undefined) return [];
  const parts = Array.isArray(value)
    ? value.map(String)
    : String(value).includes(',') || String(value).includes(' ')
      ? String(value).split(/[ ,]+/).filter(Boolean)
      : [...String(value)];
  return parts.map((p) => {
    const d = p.trim();
    if (d === 't' || d === 'timeout') return 'timeout';
    if (!/^[0-9*#]$/.test(d)) throw new InputError(`'${d}' is not a key (expected 0-9, * or #, or 'timeout')`);
    return d;
  });
}

/** A world state as written in YAML by clinic IT (agents, queues and modes). */
export function snapshotFrom(value: unknown, plan: Plan, where: string, zone: string): Snapshot {
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InputError(`${where}: expected a map with agents, queues, modes`);
  const v = value as Record<string, unknown>;
  const agents: Record<string, AgentSnapshot> = {};
  for (const [id, a] of Object.entries((v.agents as Record<string, unknown>) ?? {})) {
    if (!plan.agents.has(id)) throw new InputError(`${where}: unknown agent '${id}' (agents: ${[...plan.agents.keys()].join(', ')})`);
    const state = typeof a === 'string' ? a : (a as { state?: string })?.state;
    if (!AGENT_STATES.includes(state as AgentState)) throw new InputError(`${where}: agent ${id} has state '${state}' (expected one of ${AGENT_STATES.join(', ')})`);
    const idle = typeof a === 'object' && a !== null ? (a as { idleSince?: string }).idleSince : undefined;
    agents[id] = { state: state as AgentState, ...(idle ? { idleSince: parseInstant(String(idle), zone, `${where}: agents.${id}.idleSince`) } : {}) };
  }
  const queues: Record<string, QueueSnapshot> = {};
  for (const [id, q] of Object.entries((v.queues as Record<string, { waiting?: number; longestWait?: number }>) ?? {})) {
    if (!plan.queues.has(id)) throw new InputError(`${where}: unknown queue '${id}' (queues: ${[...plan.queues.keys()].join(', ')})`);
    queues[id] = { waiting: Number(q?.waiting ?? 0), longestWait: Number(q?.longestWait ?? 0) };
  }
  const modes = modesFrom(v.modes ?? v.mode, plan, where);
  const defaultAgentState = v.defaultAgentState as AgentState | undefined;
  if (defaultAgentState !== undefined && !AGENT_STATES.includes(defaultAgentState)) {
    throw new InputError(`${where}: defaultAgentState '${defaultAgentState}' (expected one of ${AGENT_STATES.join(', ')})`);
  }
  return { agents, queues, modes, ...(defaultAgentState ? { defaultAgentState } : {}) };
}

/** `night`, or `{ riverside: night }`, into a modes map ('*' for every site). */
export function modesFrom(value: unknown, plan: Plan, where: string): Record<string, Mode> {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') {
    if (!MODES.includes(value as Mode)) throw new InputError(`${where}: mode '${value}' (expected day, night or auto)`);
    return { '*': value as Mode };
  }
  const out: Record<string, Mode> = {};
  for (const [site, m] of Object.entries(value as Record<string, string>)) {
    if (site !== '*' && !plan.sites.has(site)) throw new InputError(`${where}: unknown site '${site}' in modes`);
    if (!MODES.includes(m as Mode)) throw new InputError(`${where}: mode '${m}' for ${site} (expected day, night or auto)`);
    out[site] = m as Mode;
  }
  return out;
}

/** Reads a world-state YAML file. */
export function readSnapshot(file: string, plan: Plan, zone: string): Snapshot {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    throw new InputError(`${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  return snapshotFrom(value, plan, file, zone);
}

/** Merges snapshots, later ones winning per agent, queue and site. */
export function mergeSnapshots(...parts: Snapshot[]): Snapshot {
  const out: { agents: Record<string, AgentSnapshot>; queues: Record<string, QueueSnapshot>; modes: Record<string, Mode>; defaultAgentState?: AgentState } = { agents: {}, queues: {}, modes: {} };
  for (const p of parts) {
    Object.assign(out.agents, p.agents);
    Object.assign(out.queues, p.queues);
    Object.assign(out.modes, p.modes);
    if (p.defaultAgentState) out.defaultAgentState = p.defaultAgentState;
  }
  return out;
}
