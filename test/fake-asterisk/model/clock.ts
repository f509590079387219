/**
 * The fake's clock: Asterisk time runs `speed` times faster than the wall clock, so a 5.65 s
 * prompt takes 565 ms at speed 10 while every timestamp still says 5.65 s.
 */

/** A scheduled callback that can be cancelled. */
export interface FakeTimer {
  cancel(): void;
}

/** Virtual Asterisk time at `speed` times the wall clock, with scaled timers. */
export class FakeClock {
  private readonly startWall = Date.now();
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly speed: number,
    private readonly startVirtual: number,
  ) {
    if (!(speed > 0)) throw new Error(`speed must be positive, got ${speed}`);
  }

  /** Virtual epoch milliseconds. */
  now(): number {
    return this.startVirtual + (Date.now() - this.startWall) * this.speed;
  }

  /** Virtual milliseconds since the fake started. */
  elapsed(): number {
    return this.now() - this.startVirtual;
  }

  /** Runs fn after `ms` of Asterisk time. */
  after(ms: number, fn: () => void): FakeTimer {
    const handle = setTimeout(() => {
      this.timers.delete(handle);
      fn();
    }, Math.max(0, ms) / this.speed);
    this.timers.add(handle);
    return {
      cancel: () => {
        clearTimeout(handle);
        this.timers.delete(handle);
      },
    };
  }

  /** Cancels every pending timer (on stop). */
  cancelAll(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  /** ARI timestamp: `2026-11-22T08:38:07.607+0000` (Asterisk prints UTC with a numeric offset). */
  timestamp(at = this.now()): string {
    return new Date(at).toISOString().replace('Z', '+0000');
  }

  /** Seconds since the epoch, the first part of a channel uniqueid. */
  epochSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /** RFC 7231 date for the HTTP `Date` header. */
  httpDate(): string {
    return new Date(this.now()).toUTCString();
  }
}
