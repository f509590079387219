/**
 * One delivery job (the email outbox, the webhook queue) run one at a time. A run starts after the
 * previous one has settled, whether it succeeded or not: chaining with `p = p.then(job)` let one
 * throw reject every later run with the old error, and emails stopped until a restart. A failure
 * is logged once, with its cause, and the next run starts afresh.
 */

export type RunOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: Error };

export interface SerialRunner<T> {
  /**
   * Runs the job after the current run, if any. Calls made while a run is already waiting join
   * that run (it starts later, so it sees their work too). Never rejects: a failure is the outcome.
   */
  run(): Promise<RunOutcome<T>>;
}

/** What a thrown value says, with its cause (SQLite and fetch errors keep the real reason there). */
export function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cause = e.cause === undefined ? '' : `; cause: ${describeError(e.cause)}`;
  return `${e.message}${cause}`;
}

/** A runner for `job`; `onError` is told of each failed run once. */
export function serialRunner<T>(job: () => Promise<T>, onError: (error: Error) => void): SerialRunner<T> {
  let current: Promise<unknown> = Promise.resolve();
  let waiting: Promise<RunOutcome<T>> | null = null;

  const once = async (): Promise<RunOutcome<T>> => {
    waiting = null;
    try {
      return { ok: true, value: await job() };
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      try {
        onError(error);
      } catch {
        // A failing logger must not turn into an unhandled rejection.
      }
      return { ok: false, error };
    }
  };

  return {
    run() {
      if (waiting) return waiting;
      const next = current.then(once);
      waiting = next;
      current = next;
      return next;
    },
  };
}
