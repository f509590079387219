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

/** A clock whose pending timers can all be cancelled at once (when the engine stops). */
export function trackedClock(base: Clock): Clock & { cancelAll(): void } {
  const pending = new Set<unknown>();
  return {
    now: () => base.now(),
    after: (ms, fn) => {
      const h: unknown = base.after(ms, () => {
        pending.delete(h);
        fn();
      });
      pending.add(h);
      return h;
    },
    cancel: (h) => {
      pending.delete(h);
      base.cancel(h);
    },
    cancelAll: () => {
      for (const h of pending) base.cancel(h);
      pending.clear();
    },
  };
}
