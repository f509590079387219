import { describe, expect, it } from 'vitest';
import { AgentBook, RETRY_AFTER_MS } from '../src/calls/agents.js';
import type { Clock } from '../src/calls/clock.js';
import { loadPlan } from '../src/config/index.js';

const plan = loadPlan('config/example-clinic.yaml').plan!;

/** A clock that moves on by a millisecond every time it is read, as the real one may between two reads. */
function creepingClock(start: number): Clock {
  let t = start;
  return { now: () => t++, after: () => null, cancel: () => {} };
}

describe('agent book', () => {
  it('the agents it starts with are all idle since the same moment, however long the loop over them takes', () => {
    const book = new AgentBook(plan, creepingClock(1_000));
    const idle = Object.values(book.snapshot()).map((a) => a.idleSince);
    expect(idle.length).toBe(plan.agents.size);
    expect(new Set(idle).size).toBe(1);
  });

  it('an agent becoming available again is idle from that moment, later than the others', () => {
    const book = new AgentBook(plan, creepingClock(1_000));
    const [first] = plan.agents.keys();
    const before = book.snapshot()[first!]!.idleSince ?? 0;
    book.offered(first!);
    book.missed(first!, 'no-answer', 3);
    expect(book.state(first!)).toBe('available');
    expect(book.snapshot()[first!]!.idleSince).toBeGreaterThan(before);
  });

  it('a phone that refuses an offer at once (busy) rests 5 s before the next offer, even if it reports idle meanwhile', () => {
    let now = 1_000;
    const timers: { at: number; fn: () => void }[] = [];
    const clock: Clock = { now: () => now, after: (ms, fn) => timers.push({ at: now + ms, fn }), cancel: () => {} };
    const book = new AgentBook(plan, clock);
    book.offered('emily');
    book.missed('emily', 'busy', 3);
    expect(book.state('emily')).toBe('busy');
    book.presence('emily', 'reachable');
    expect(book.state('emily')).toBe('busy');
    now += RETRY_AFTER_MS;
    for (const t of timers.filter((t) => t.at <= now)) t.fn();
    expect(book.state('emily')).toBe('available');
  });

  it('a desk phone in use for a direct call makes its agent busy, and idle again makes them available (issue 11: busy for ever)', () => {
    const book = new AgentBook(plan, creepingClock(1_000));
    book.presence('maria', 'in-use');
    expect(book.state('maria')).toBe('busy');
    book.presence('maria', 'reachable');
    expect(book.state('maria')).toBe('available');
  });

  it('a phone that went in use while the engine offer rang, and is idle again after the miss, leaves its agent available', () => {
    let now = 1_000;
    const timers: (() => void)[] = [];
    const book = new AgentBook(plan, { now: () => now, after: (_ms, fn) => timers.push(fn), cancel: () => {} });
    book.offered('maria');
    book.presence('maria', 'in-use');
    book.missed('maria', 'busy', 3);
    expect(book.state('maria')).toBe('busy');
    now += RETRY_AFTER_MS;
    timers.forEach((t) => t());
    expect(book.state('maria')).toBe('busy');
    book.presence('maria', 'reachable');
    expect(book.state('maria')).toBe('available');
  });

  it('on a call the engine connected, the phone going idle does not free the agent; the end of the call does', () => {
    const timers: (() => void)[] = [];
    const clock: Clock = { now: () => 1_000, after: (_ms, fn) => timers.push(fn), cancel: () => {} };
    const book = new AgentBook(plan, clock);
    book.offered('james');
    book.answered('james');
    book.presence('james', 'in-use');
    book.presence('james', 'reachable');
    expect(book.state('james')).toBe('busy');
    book.finished('james');
    expect(book.state('james')).toBe('wrap-up');
    timers.forEach((t) => t());
    expect(book.state('james')).toBe('available');
  });
});
