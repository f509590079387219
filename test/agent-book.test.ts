import { describe, expect, it } from 'vitest';
import { AgentBook } from '../src/calls/agents.js';
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
    book.missed(first!, 'busy', 3);
    expect(book.state(first!)).toBe('available');
    expect(book.snapshot()[first!]!.idleSince).toBeGreaterThan(before);
  });
});
