/** Time for the engine: the real clock in production, a manual one in tests. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Runs fn after ms; returns a handle for cancel. */
  after(ms: number, fn: () => void): unknown;
  /** Cancels a pending after(). */
  cancel(handle: unknown): void;
}

/** The system clock and timers (scaled down by `speed` for demos on a simulated PBX). */
export function systemClock(speed = 1): Clock {
  return {
    now: () => Date.now(),
    after: (ms, fn) => {
      const t = setTimeout(fn, ms / speed);
      t.unref?.();
      return t;
    },
    cancel: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
  };
}
