import { describe, expect, it } from 'vitest';
import { assign, candidates, compareWaiting, estimateWait, orderWaiting, requirementsAt, type WaitingCall } from '../../../src/routing/queue-selection.js';
import type { AgentSnapshot, CompiledAgent, CompiledQueue, Snapshot, Strategy } from '../../../src/routing/types.js';

const queue = (over: Partial<CompiledQueue> = {}): CompiledQueue => ({
  id: 'scheduling',
  name: 'Scheduling',
  site: null,
  skills: { scheduling: 3 },
  strategy: 'longest-idle',
  priority: 0,
  announce: { position: true, estimatedWait: true, interval: 60, first: 15 },
  musicOnHold: 'default',
  maxWait: 600,
  overflow: [{ kind: 'hangup' }],
  relax: [{ after: 60, minLevel: 2 }, { after: 120, drop: ['spanish'] }],
  ringTimeout: 15,
  maxMisses: 2,
  callbackKey: null,
  smsOffer: null,
  whisper: null,
  ...over,
});
const agent = (id: string, skills: Record<string, number>, site = 'main'): CompiledAgent => ({ id, name: id, endpoint: `PJSIP/${id}`, site, skills, wrapUp: 0 });
const LANG = { es: 'spanish' };
const agents = [
  agent('ana', { scheduling: 5, spanish: 4 }),
  agent('bob', { scheduling: 3 }),
  agent('cy', { scheduling: 2, spanish: 5 }),
  agent('dee', { scheduling: 4, billing: 5 }),
  agent('eve', { billing: 5 }, 'north'),
];

describe('requirements over waiting time', () => {
  it.each([
    ['en at 0 s', 'en', 0, { scheduling: 3 }],
    ['es at 0 s adds the language skill', 'es', 0, { scheduling: 3, spanish: 1 }],
    ['es at 59 s', 'es', 59, { scheduling: 3, spanish: 1 }],
    ['es at 60 s accepts level 2', 'es', 60, { scheduling: 2, spanish: 1 }],
    ['es at 120 s drops spanish', 'es', 120, { scheduling: 2 }],
    ['en at 600 s', 'en', 600, { scheduling: 2 }],
  ])('%s', (_n, language, waited, expected) => {
    expect(requirementsAt(queue(), LANG, language, waited)).toEqual(expected);
  });

  it('levels lowers one skill only, and never raises it', () => {
    const q = queue({ skills: { scheduling: 4, billing: 3 }, relax: [{ after: 30, levels: { billing: 1, scheduling: 5 } }] });
    expect(requirementsAt(q, LANG, 'en', 30)).toEqual({ scheduling: 4, billing: 1 });
  });

  it('the same requirements are the same object (memoised), so agent lists are cached', () => {
    const q = queue();
    expect(requirementsAt(q, LANG, 'es', 10)).toBe(requirementsAt(q, LANG, 'es', 20));
    expect(requirementsAt(q, LANG, 'es', 10)).not.toBe(requirementsAt(q, LANG, 'es', 60));
  });
});

describe('candidates by strategy', () => {
  const snap: Snapshot = { agents: { ana: { state: 'available', idleSince: 300 }, bob: { state: 'available', idleSince: 100 }, dee: { state: 'available', idleSince: 200 } } };
  it.each<[Strategy, string[]]>([
    ['longest-idle', ['bob', 'dee', 'ana']],
    ['most-skilled', ['ana', 'dee', 'bob']],
    ['ring-all', ['ana', 'bob', 'dee']],
    ['round-robin', ['ana', 'bob', 'dee']],
  ])('%s', (strategy, expected) => {
    expect(candidates(queue({ strategy }), agents, { scheduling: 3 }, snap)).toEqual(expected);
  });

  it('round-robin starts after the agent who took the last call, and wraps around', () => {
    const q = queue({ strategy: 'round-robin' });
    expect(candidates(q, agents, { scheduling: 3 }, { lastAgent: { scheduling: 'ana' } })).toEqual(['bob', 'dee', 'ana']);
    expect(candidates(q, agents, { scheduling: 3 }, { lastAgent: { scheduling: 'dee' } })).toEqual(['ana', 'bob', 'dee']);
  });

  it.each(['busy', 'ringing', 'wrap-up', 'paused', 'offline'] as const)('a %s agent is not offered calls', (state) => {
    expect(candidates(queue(), agents, { scheduling: 3 }, { agents: { bob: { state } } })).not.toContain('bob');
  });

  it('a queue of a site only rings agents of that site', () => {
    const billing = queue({ skills: { billing: 3 }, relax: [] });
    expect(candidates(billing, agents, { billing: 3 }, {})).toEqual(['dee', 'eve']);
    expect(candidates({ ...billing, site: 'north' }, agents, { billing: 3 }, {})).toEqual(['eve']);
  });
});

describe('waiting callers', () => {
  const w = (id: string, priority: number, enqueuedAt: number, language = 'en'): WaitingCall => ({ id, priority, enqueuedAt, language });

  it('higher priority first, FIFO within a priority', () => {
    const order = orderWaiting([w('a', 0, 1000), w('b', 0, 500), w('urgent', 5, 9000), w('c', 5, 9000)]);
    expect(order.map((c) => c.id)).toEqual(['c', 'urgent', 'b', 'a']);
    expect(compareWaiting(w('x', 1, 0), w('y', 0, 0))).toBeLessThan(0);
  });

  it('an urgent caller who arrives later gets the only agent', () => {
    const offers = assign(queue(), [agent('bob', { scheduling: 3 })], LANG, [w('early', 0, 0), w('urgent', 5, 50_000)], {}, 60_000);
    expect(offers).toEqual([{ callId: 'urgent', agents: ['bob'] }]);
  });

  it('a Spanish caller nobody can serve yet does not block the next caller', () => {
    const offers = assign(queue(), [agent('bob', { scheduling: 3 })], LANG, [w('es-caller', 0, 0, 'es'), w('en-caller', 0, 1000)], {}, 30_000);
    expect(offers).toEqual([{ callId: 'en-caller', agents: ['bob'] }]);
    // After 120 s the Spanish requirement is dropped and the earlier caller is served first.
    const later = assign(queue(), [agent('bob', { scheduling: 3 })], LANG, [w('es-caller', 0, 0, 'es'), w('en-caller', 0, 1000)], {}, 120_000);
    expect(later).toEqual([{ callId: 'es-caller', agents: ['bob'] }]);
  });

  it('two callers, two agents: each gets a different one; ring-all offers all free agents to the first', () => {
    const two = [agent('ana', { scheduling: 5 }), agent('bob', { scheduling: 3 })];
    expect(assign(queue(), two, LANG, [w('a', 0, 0), w('b', 0, 1)], {}, 1000)).toEqual([
      { callId: 'a', agents: ['ana'] },
      { callId: 'b', agents: ['bob'] },
    ]);
    expect(assign(queue({ strategy: 'ring-all' }), two, LANG, [w('a', 0, 0), w('b', 0, 1)], {}, 1000)).toEqual([{ callId: 'a', agents: ['ana', 'bob'] }]);
  });
});

describe('estimated wait', () => {
  it.each([
    ['no staffed agent', 2, 0, [300], null],
    ['no handle times yet', 2, 3, [], null],
    ['next in line, fast calls: at least a minute', 1, 4, [60, 90], 60],
    ['third in line, 2 agents, 4-minute calls: 6 minutes', 3, 2, [240, 240], 360],
    ['rounded up to the minute', 1, 1, [130], 180],
  ])('%s', (_n, position, staffed, times, expected) => {
    expect(estimateWait(position, staffed, times)).toBe(expected);
  });
});

describe('assign under load (found by the load benchmark: it ran on every queue event)', () => {
  const waiting = Array.from({ length: 1000 }, (_, i): WaitingCall => ({ id: `c${i}`, priority: 0, enqueuedAt: i, language: 'en' }));
  /** A snapshot that counts how often an agent's state is looked up. */
  const counting = (states: Record<string, AgentSnapshot>) => {
    let reads = 0;
    const snap: Snapshot = { agents: new Proxy(states, { get: (t, k: string) => (reads++, t[k]) }) };
    return { snap, reads: () => reads };
  };
  const two = [agent('ann', { scheduling: 3 }), agent('bob', { scheduling: 4 })];

  it('with every agent paused or busy, looks at the agents once and not at each of 1,000 waiting callers', () => {
    const c = counting({ ann: { state: 'paused', idleSince: 0 }, bob: { state: 'busy', idleSince: 0 } });
    expect(assign(queue(), two, LANG, waiting, c.snap, 5000)).toEqual([]);
    expect(c.reads()).toBe(2);
  });

  it('stops matching callers once the only free agent is taken', () => {
    const c = counting({ ann: { state: 'available', idleSince: 0 }, bob: { state: 'busy', idleSince: 0 } });
    expect(assign(queue(), two, LANG, waiting, c.snap, 5000)).toEqual([{ callId: 'c0', agents: ['ann'] }]);
    expect(c.reads()).toBeLessThan(10);
  });
});
