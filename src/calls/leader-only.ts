/**
 * The Telephony port fenced by this process's own clock: once the engine no longer leads (its
 * lease deadline passed, which a process woken from kill -STOP finds before anything else), every
 * command to Asterisk is refused here with a TelephonyError('disconnected') instead of reaching a
 * call that another engine now carries. The database fences writes the same way (the epoch); this
 * is the fence for what the database cannot see.
 */
import { TelephonyError, type Telephony } from './telephony.js';

/** Methods of the port that return nothing (refused silently rather than with a rejection). */
const SYNC: ReadonlySet<string> = new Set(['adopt']);

/** `t` with every port method refused while `leading()` is false. */
export function leaderOnly<T extends Telephony>(t: T, leading: () => boolean): T {
  return new Proxy(t, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function' || typeof prop !== 'string') return v;
      const fn = v as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (!leading()) {
          if (SYNC.has(prop)) return undefined;
          return Promise.reject(new TelephonyError('disconnected', `not sent to Asterisk (${prop}): this engine no longer holds the lease`));
        }
        return fn.apply(target, args);
      };
    },
  });
}
