import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lease, LeaseTerm, RenewOutcome } from '../../../src/cluster/lease.js';
import { LeaseKeeper, type LeadershipLost } from '../../../src/cluster/lease-keeper.js';

/** A lease whose answers the test gives by hand: each renewal waits until the test settles it. */
class FakeLease {
  readonly renewals: { resolve: (o: RenewOutcome) => void; reject: (e: Error) => void; term: LeaseTerm }[] = [];
  acquireAnswer: LeaseTerm | null = null;
  async acquire(holder: string): Promise<LeaseTerm | null> {
    const t = this.acquireAnswer;
    this.acquireAnswer = null;
    return t ? { ...t, holder } : null;
  }
  renew(term: LeaseTerm): Promise<RenewOutcome> {
    return new Promise((resolve, reject) => this.renewals.push({ resolve, reject, term }));
  }
  async release(): Promise<boolean> {
    return true;
  }
}

const TTL = 900;
const term = (epoch: number): LeaseTerm => ({ name: 'engine', holder: 'a', epoch, expiresAt: new Date(0) });

let lease: FakeLease;
let keeper: LeaseKeeper;
let lost: (LeadershipLost & { at: number })[];
let t0: number;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  lease = new FakeLease();
  lease.acquireAnswer = term(7);
  keeper = new LeaseKeeper({ lease: lease as unknown as Lease, holder: 'a', ttlMs: TTL, now: () => Date.now() });
  lost = [];
  keeper.on('lost', (l) => lost.push({ ...l, at: Date.now() - t0 }));
  t0 = Date.now();
  keeper.start();
  await vi.advanceTimersByTimeAsync(0);
  expect(keeper.role).toBe('leader');
});

afterEach(async () => {
  await keeper.stop();
  vi.useRealTimers();
});

describe("the keeper's own clock", () => {
  it('a renewal that hangs past the deadline: lost at the deadline, and its late answer does not make it leader again', async () => {
    await vi.advanceTimersByTimeAsync(TTL / 3);
    expect(lease.renewals).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(TTL - TTL / 3 - 1);
    expect(keeper.term()?.epoch).toBe(7);
    await vi.advanceTimersByTimeAsync(1);
    expect(lost).toEqual([{ epoch: 7, cause: 'deadline', at: TTL }]);
    lease.renewals[0]!.resolve({ kind: 'renewed', term: term(7) });
    await vi.advanceTimersByTimeAsync(0);
    expect(keeper.role).toBe('standby');
    expect(keeper.term()).toBeUndefined();
  });

  it('failed renewals (database unreachable) are retried every ttl/10; one accepted before the deadline keeps the lease', async () => {
    await vi.advanceTimersByTimeAsync(TTL / 3);
    lease.renewals[0]!.reject(new Error('connect ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(TTL / 10);
    expect(lease.renewals).toHaveLength(2);
    lease.renewals[1]!.reject(new Error('connect ECONNREFUSED'));
    await vi.advanceTimersByTimeAsync(TTL / 10);
    expect(lease.renewals).toHaveLength(3);
    lease.renewals[2]!.resolve({ kind: 'renewed', term: term(7) });
    // Past the first term's deadline (900): the accepted renewal, sent at 480, moved it to 1380.
    await vi.advanceTimersByTimeAsync(TTL / 2);
    expect(Date.now() - t0).toBeGreaterThan(TTL);
    expect(lost).toEqual([]);
    expect(keeper.role).toBe('leader');
    await vi.advanceTimersByTimeAsync(1380 - (Date.now() - t0));
    expect(lost).toEqual([{ epoch: 7, cause: 'deadline', at: 1380 }]);
  });

  it('a renewal the database refuses is a loss at once, with who holds the lease now', async () => {
    await vi.advanceTimersByTimeAsync(TTL / 3);
    lease.renewals[0]!.resolve({ kind: 'lost', reason: 'taken', holder: 'b', epoch: 8 });
    await vi.advanceTimersByTimeAsync(0);
    expect(lost).toEqual([{ epoch: 7, cause: 'taken', holder: 'b', at: TTL / 3 }]);
    expect(keeper.role).toBe('standby');
  });
});
