/**
 * Metrics taken from outside calls/: the engine is handed a
 * Telephony port and a CallStore that time and observe what goes through them, so nothing in the
 * call code changes. What is observed:
 * - the port: each ARI REST request's round trip by operation, StasisStart to the first command
 *   for that channel, StasisStart to the caller answered;
 * - the store (the audit trail): queue waits by queue and result, missed offers, failsafe
 *   hand-offs.
 * The calls' log lines (a child logger per call) and the decision time come from calls/ itself.
 */
import { performance } from 'node:perf_hooks';
import type { Telephony } from '../calls/telephony.js';
import type { CallStore } from '../store/call-store.js';
import { OFFER_MISS_REASONS, type Metrics } from './metrics.js';

/**
 * Telephony methods that are one REST request. `play` and `record` resolve when the media ends,
 * not when Asterisk answers, so they are not timed here (their request time is inside the adapter).
 */
const REQUESTS: ReadonlySet<string> = new Set(['answer', 'stopPlayback', 'createBridge', 'addToBridge', 'removeFromBridge', 'startBridgeMoh', 'startMoh', 'stopMoh', 'destroyBridge', 'originate', 'hangup', 'recordingFile', 'deleteRecording', 'sendToFailsafe']);

/** Callers not answered after this many are forgotten (a flood of calls that never get a command). */
const MAX_PENDING = 10_000;

export interface TimedTelephony<T extends Telephony> {
  /** The port to hand to the engine: the same object, its requests timed. */
  readonly telephony: T;
  /** A caller's StasisStart was received now (call before the engine handles it). */
  arrived(channel: string): void;
  /** The channel is gone: forget it. */
  gone(channel: string): void;
}

/** Times `t`'s requests and each caller's first command and answer into `m`. */
export function timedTelephony<T extends Telephony>(t: T, m: Metrics): TimedTelephony<T> {
  const firstCommand = new Map<string, number>();
  const answer = new Map<string, number>();
  const forget = (channel: string) => void (firstCommand.delete(channel), answer.delete(channel));
  const sawCommand = (args: readonly unknown[], now: number) => {
    for (const a of args) {
      if (typeof a !== 'string') continue;
      const at = firstCommand.get(a);
      if (at === undefined) continue;
      m.stasisToFirstCommand.observe((now - at) / 1000);
      firstCommand.delete(a);
    }
  };
  const wrap = (prop: string, method: (...args: unknown[]) => unknown) => (...args: unknown[]) => {
    const start = performance.now();
    if (firstCommand.size > 0) sawCommand(args, start);
    const result = method(...args);
    if (!REQUESTS.has(prop) || !(result instanceof Promise)) return result;
    const done = (ok: boolean) => {
      const end = performance.now();
      m.ariRequest.observe({ operation: prop }, (end - start) / 1000);
      const arrivedAt = prop === 'answer' && ok ? answer.get(args[0] as string) : undefined;
      if (arrivedAt !== undefined) {
        m.stasisToAnswer.observe((end - arrivedAt) / 1000);
        answer.delete(args[0] as string);
      }
    };
    result.then(
      () => done(true),
      () => done(false),
    );
    return result;
  };
  const telephony = new Proxy(t, { get: cachedMethods(wrap) });
  return {
    telephony,
    arrived(channel) {
      if (firstCommand.size >= MAX_PENDING) firstCommand.clear();
      if (answer.size >= MAX_PENDING) answer.clear();
      const now = performance.now();
      firstCommand.set(channel, now);
      answer.set(channel, now);
    },
    gone: forget,
  };
}

/** The store to hand to the engine: the same object; queue waits, missed offers and failsafe hand-offs observed. */
export function observedStore(store: CallStore, m: Metrics): CallStore {
  const entered = new Map<number, { queue: string; at: number }>();
  const hooks: Partial<Record<keyof CallStore, (args: unknown[], result: unknown) => void>> = {
    addEvent([, , type, data]) {
      if (type === 'failsafe') m.failsafeHandoffs.inc();
      if (type !== 'offer-missed') return;
      const reason = String((data as { reason?: unknown } | undefined)?.reason);
      m.offersMissed.inc({ reason: (OFFER_MISS_REASONS as readonly string[]).includes(reason) ? reason : 'other' });
    },
    enterQueue([, queue, , , at], id) {
      entered.set(id as number, { queue: queue as string, at: at as number });
    },
    leaveQueue([id, at, result], changed) {
      const e = entered.get(id as number);
      entered.delete(id as number);
      if (e && changed) m.queueWait.observe({ queue: e.queue, result: String(result) }, Math.max(0, (at as number) - e.at) / 1000);
    },
  };
  const wrap = (prop: string, method: (...args: unknown[]) => unknown) => {
    const hook = hooks[prop as keyof CallStore];
    if (!hook) return method;
    return (...args: unknown[]) => {
      const result = method(...args);
      try {
        hook(args, result);
      } catch {
        // An observer never breaks the call path: a metric or a log line is lost, not the call.
      }
      return result;
    };
  };
  return new Proxy(store, { get: cachedMethods(wrap) });
}

/**
 * A Proxy `get` that hands out each method once, bound to the target and wrapped by `wrap`
 * (not a new function per access: the engine reads these on every event).
 */
function cachedMethods<T extends object>(wrap: (prop: string, bound: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown) {
  const cache = new Map<string | symbol, { of: unknown; fn: unknown }>();
  return (target: T, prop: string | symbol): unknown => {
    const v: unknown = Reflect.get(target, prop, target);
    if (typeof v !== 'function') return v;
    const hit = cache.get(prop);
    if (hit?.of === v) return hit.fn;
    const bound = (v as (...args: unknown[]) => unknown).bind(target);
    const fn = typeof prop === 'string' ? wrap(prop, bound) : bound;
    cache.set(prop, { of: v, fn });
    return fn;
  };
}
