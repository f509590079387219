/**
 * Skill-based agent selection for the engine's own queues: what a call needs now (skills, language,
 * relaxation over waiting time), who can take it in which order (strategy), which waiting caller
 * is served first (priority, then FIFO), and an honest wait estimate. Pure and allocation-light.
 */
import type { AgentState, CompiledAgent, CompiledQueue, Snapshot } from './types.js';

type Requirements = Readonly<Record<string, number>>;

/** Requirements memoised per queue, language and number of relaxation steps applied (stable identity). */
const requirementMemo = new WeakMap<CompiledQueue, Map<string, Requirements>>();

/** The skills (skill -> minimum level) an agent needs for this call after `waitedSeconds` of waiting. */
export function requirementsAt(
  queue: CompiledQueue,
  languageSkills: Readonly<Record<string, string>>,
  language: string,
  waitedSeconds: number,
): Requirements {
  const langSkill = languageSkills[language];
  const addLanguage = langSkill !== undefined && queue.skills[langSkill] === undefined;
  let steps = 0;
  while (steps < queue.relax.length && queue.relax[steps]!.after <= waitedSeconds) steps++;
  if (!addLanguage && steps === 0) return queue.skills;
  let memo = requirementMemo.get(queue);
  if (!memo) requirementMemo.set(queue, (memo = new Map()));
  const key = `${addLanguage ? langSkill : ''}|${steps}`;
  const known = memo.get(key);
  if (known) return known;
  const req: Record<string, number> = { ...queue.skills };
  if (addLanguage) req[langSkill] = 1;
  for (const step of queue.relax.slice(0, steps)) {
    if (step.minLevel !== undefined) for (const s in req) if (req[s]! > step.minLevel) req[s] = step.minLevel;
    if (step.levels) for (const s in step.levels) if (req[s] !== undefined && step.levels[s]! < req[s]!) req[s] = step.levels[s]!;
    if (step.drop) for (const s of step.drop) delete req[s];
  }
  Object.freeze(req);
  memo.set(key, req);
  return req;
}

type AgentPool = ReadonlyMap<string, CompiledAgent> | readonly CompiledAgent[];
const eligibleMemo = new WeakMap<AgentPool, WeakMap<Requirements, Map<string | null, readonly CompiledAgent[]>>>();

/**
 * The agents of a pool who have the skills and, for a queue of a site, work at that site, whatever
 * their state (memoised per pool, requirements and site).
 */
export function eligible(pool: AgentPool, req: Requirements, site: string | null = null): readonly CompiledAgent[] {
  let byReq = eligibleMemo.get(pool);
  if (!byReq) eligibleMemo.set(pool, (byReq = new WeakMap()));
  let bySite = byReq.get(req);
  if (!bySite) byReq.set(req, (bySite = new Map()));
  let list = bySite.get(site);
  if (!list) {
    list = Object.freeze([...pool.values()].filter((a) => (site === null || a.site === site) && qualifies(a, req)));
    bySite.set(site, list);
  }
  return list;
}

/** How many agents who could take a call of this queue are available right now. */
export function countAvailable(queue: CompiledQueue, pool: AgentPool, req: Requirements, snapshot: Snapshot): number {
  let n = 0;
  for (const a of eligible(pool, req, queue.site)) if (agentState(snapshot, a.id) === 'available') n++;
  return n;
}

/** True when the agent has every required skill at its minimum level or above. */
export function qualifies(agent: CompiledAgent, req: Readonly<Record<string, number>>): boolean {
  for (const s in req) if ((agent.skills[s] ?? 0) < req[s]!) return false;
  return true;
}

/** The agent's state in the snapshot (agents not listed take the default, available). */
export function agentState(snapshot: Snapshot, agentId: string): AgentState {
  return snapshot.agents?.[agentId]?.state ?? snapshot.defaultAgentState ?? 'available';
}

function skillSum(agent: CompiledAgent, req: Requirements): number {
  let n = 0;
  for (const s in req) n += agent.skills[s] ?? 0;
  return n;
}

/** Available agents who qualify, in the order the queue's strategy offers them the call. */
export function candidates(
  queue: CompiledQueue,
  pool: AgentPool,
  req: Requirements,
  snapshot: Snapshot,
  opts: { readonly exclude?: ReadonlySet<string> } = {},
): string[] {
  // Decorate with the sort keys once, then sort: lookups inside a comparator run n log n times.
  const able: { id: string; idle: number; skill: number }[] = [];
  for (const a of eligible(pool, req, queue.site)) {
    if (opts.exclude?.has(a.id)) continue;
    const s = snapshot.agents?.[a.id];
    if ((s?.state ?? snapshot.defaultAgentState ?? 'available') !== 'available') continue;
    able.push({ id: a.id, idle: s?.idleSince ?? 0, skill: queue.strategy === 'most-skilled' ? skillSum(a, req) : 0 });
  }
  const byId = (x: { id: string }, y: { id: string }) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0);
  switch (queue.strategy) {
    case 'longest-idle':
      able.sort((x, y) => x.idle - y.idle || byId(x, y));
      break;
    case 'most-skilled':
      able.sort((x, y) => y.skill - x.skill || x.idle - y.idle || byId(x, y));
      break;
    case 'round-robin': {
      able.sort(byId);
      const last = snapshot.lastAgent?.[queue.id];
      if (last !== undefined) {
        const next = able.findIndex((a) => a.id > last);
        if (next > 0) able.push(...able.splice(0, next));
      }
      break;
    }
    case 'ring-all':
      able.sort(byId);
      break;
  }
  return able.map((a) => a.id);
}

/** A caller waiting in a queue. */
export interface WaitingCall {
  readonly id: string;
  readonly priority: number;
  /** Epoch ms when the caller joined the queue. */
  readonly enqueuedAt: number;
  readonly language: string;
}

/** Higher priority first, then whoever came first (FIFO within a priority), then id. */
export function compareWaiting(a: WaitingCall, b: WaitingCall): number {
  return b.priority - a.priority || a.enqueuedAt - b.enqueuedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** The waiting callers in the order they are served (a new array). */
export function orderWaiting(calls: readonly WaitingCall[]): WaitingCall[] {
  return [...calls].sort(compareWaiting);
}

/** An offer to make now: ring these agents for this caller. */
export interface Offer {
  readonly callId: string;
  readonly agents: readonly string[];
}

/**
 * The offers to make now: callers in service order each take their best free agent (ring-all: all
 * of them). A caller nobody can serve yet does not block later callers whom someone can serve.
 */
export function assign(
  queue: CompiledQueue,
  agents: readonly CompiledAgent[],
  languageSkills: Readonly<Record<string, string>>,
  waiting: readonly WaitingCall[],
  snapshot: Snapshot,
  now: number,
): Offer[] {
  // Offers stop once every free agent is taken (or none is free): with hundreds of callers waiting,
  // ordering and matching each of them on every queue event was quadratic under load.
  const freeCount = freeAgents(agents, snapshot);
  if (freeCount === 0) return [];
  const taken = new Set<string>();
  const offers: Offer[] = [];
  for (const call of orderWaiting(waiting)) {
    if (taken.size >= freeCount) break;
    const req = requirementsAt(queue, languageSkills, call.language, Math.max(0, (now - call.enqueuedAt) / 1000));
    const free = candidates(queue, agents, req, snapshot, { exclude: taken });
    if (free.length === 0) continue;
    const chosen = queue.strategy === 'ring-all' ? free : [free[0]!];
    for (const id of chosen) taken.add(id);
    offers.push({ callId: call.id, agents: chosen });
  }
  return offers;
}

/** How many agents are in the `available` state (the state candidates() requires). */
export function freeAgents(agents: readonly CompiledAgent[], snapshot: Snapshot): number {
  let n = 0;
  for (const a of agents) if ((snapshot.agents?.[a.id]?.state ?? snapshot.defaultAgentState ?? 'available') === 'available') n++;
  return n;
}

/**
 * Estimated wait in seconds for the caller at `position` (1 = next), or null when there is no
 * basis (no staffed agent or no recent handle time). Deliberately coarse: whole minutes, at least
 * one, because a precise-sounding estimate that turns out wrong is worse than a rounded one.
 */
export function estimateWait(position: number, staffedAgents: number, recentHandleTimes: readonly number[]): number | null {
  if (staffedAgents <= 0 || recentHandleTimes.length === 0 || position <= 0) return null;
  const average = recentHandleTimes.reduce((a, b) => a + b, 0) / recentHandleTimes.length;
  const seconds = (average * position) / staffedAgents;
  return Math.max(60, Math.ceil(seconds / 60) * 60);
}
