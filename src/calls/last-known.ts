/**
 * A store read the routing needs on every call (the day/night overrides, the on-call overrides)
 * that must not fail a call when the store cannot be read for a moment (a PostgreSQL restart, a
 * locked SQLite file): the last value read is used instead, and the failure is said once until a
 * read works again. A call routed meanwhile is routed on what the engine knew a moment ago rather
 * than sent to the failsafe.
 */
export function lastKnown<T>(read: () => T, initial: T, what: string, log: (message: string) => void): () => T {
  let last = initial;
  let failing = false;
  return () => {
    try {
      last = read();
      if (failing) log(`${what}: read from the store again`);
      failing = false;
    } catch (e) {
      if (!failing) log(`warning: ${what}: the store cannot be read (${(e as Error).message}); routing goes on with the last known value until it can`);
      failing = true;
    }
    return last;
  };
}
