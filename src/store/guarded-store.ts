/**
 * The stores as the engine is handed them: a write that fails never throws into call code. The
 * failure goes to StoreHealth (logged once per kind, counted, the store marked degraded) and the
 * call goes on from memory. Methods that return an id hand out a stand-in (negative, so it never
 * names a real row), and later writes about a stand-in are skipped.
 *
 * What a caller left must not be lost: a voicemail or a callback request that could not be
 * written is held in memory (pending) and written when the store is ok again; each is also logged
 * at error with what is needed to recover it by hand (the recording's name, mailbox, call id) in
 * case the engine stops before that. A mode set while writes fail is kept in memory the same way.
 * Reads are not guarded: a full or read-only disk still reads, and a read that fails is an error
 * the call code already handles.
 */
import type { Logger } from '../logging/logger.js';
import type { CallStore } from './call-store.js';
import type { SmsStore } from './sms-store.js';
import type { StoreHealth } from './store-health.js';
import type { NewVoicemail, VoicemailStore } from './voicemail-store.js';

type VoicemailArgs = Parameters<VoicemailStore['add']>;
type NewCallback = Parameters<CallStore['createCallback']>[0];

type Pending =
  | { readonly kind: 'voicemail'; readonly standIn: number; readonly args: VoicemailArgs }
  | { readonly kind: 'callback'; readonly standIn: number; readonly c: NewCallback; webhookAt: number | null };

export interface GuardedStores {
  readonly calls: CallStore;
  readonly voicemails: VoicemailStore;
  /** Voicemails and callback requests held in memory until the store can write them. */
  pending(): number;
  /** Tries to write what is held (also a probe: a write that is kept clears the failure). */
  retry(): void;
}

export interface GuardOptions {
  readonly health: StoreHealth;
  readonly log: Logger;
  /** Commits the writes of this turn now (write-groups' flush), false when that failed: a voicemail is known kept only once committed. */
  readonly commit?: () => boolean;
}

/** Write methods whose failure is swallowed, with what they return then. */
const CALL_WRITES: Partial<Record<keyof CallStore, () => unknown>> = {
  createCall: () => undefined,
  updateCall: () => undefined,
  endCall: () => false,
  addEvent: () => undefined,
  addDecision: () => undefined,
  agentState: () => undefined,
  webhookSent: () => undefined,
  webhookFailed: () => undefined,
};

const VOICEMAIL_WRITES: Partial<Record<keyof VoicemailStore, () => unknown>> = {
  purged: () => undefined,
  markSent: () => undefined,
  markFailed: () => undefined,
  // A transcript not written leaves the voicemail pending: the next start transcribes it again.
  transcribed: () => false,
  transcriptFailed: () => false,
};

const isStandIn = (id: unknown) => typeof id === 'number' && id < 0;

/** Guards `calls` and `voicemails` (which share one database) with `o.health`. */
export function guardStores(calls: CallStore, voicemails: VoicemailStore, o: GuardOptions): GuardedStores {
  const { health, log } = o;
  const held: Pending[] = [];
  const unsavedSettings = new Map<string, { value: unknown; at: number }>();
  let standIns = 0;
  const standIn = () => -++standIns;

  /** Runs a write; true when it ran (and, when `commitNow`, was committed: a full disk may refuse only the COMMIT). */
  const attempt = (what: string, write: () => void, commitNow = false): boolean => {
    try {
      write();
    } catch (e) {
      health.failed(what, e);
      return false;
    }
    health.wrote();
    if (!commitNow) return true;
    if (o.commit && !o.commit()) return false;
    health.committed();
    return true;
  };

  const guardedWrite = (what: string, method: (...args: unknown[]) => unknown, fallback: () => unknown) => (...args: unknown[]) => {
    let result: unknown;
    return attempt(what, () => void (result = method(...args))) ? result : fallback();
  };

  const holdVoicemail = (args: VoicemailArgs): number => {
    const id = standIn();
    held.push({ kind: 'voicemail', standIn: id, args });
    log.error(recoveryFields(args[0]), `database: voicemail for ${args[0].mailbox} (call ${args[0].callId ?? '-'}, recording ${args[0].recording}, ${args[0].duration} s) could not be written; it is held in memory and written when the store recovers (if the engine stops first, the recording ${args[0].recording} is still in Asterisk)`);
    return id;
  };

  const holdCallback = (c: NewCallback): number => {
    const id = standIn();
    held.push({ kind: 'callback', standIn: id, c, webhookAt: null });
    log.error({ call: c.callId, list: c.list, number: c.number, reason: c.reason, createdAt: c.createdAt }, `database: callback request for list ${c.list} (call ${c.callId ?? '-'}, number ${c.number}) could not be written; it is held in memory and written when the store recovers`);
    return id;
  };

  const callOverrides: Partial<Record<keyof CallStore, (real: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown>> = {
    enterQueue: (real) => (...args) => {
      let id = 0;
      return attempt('enterQueue', () => void (id = real(...args) as number)) ? id : standIn();
    },
    recordPosition: (real) => (...args) => (isStandIn(args[0]) ? undefined : void attempt('recordPosition', () => void real(...args))),
    leaveQueue: (real) => (...args) => {
      if (isStandIn(args[0])) return true;
      let changed = false;
      attempt('leaveQueue', () => void (changed = real(...args) as boolean));
      return changed;
    },
    createCallback: (real) => (...args) => {
      let id = 0;
      return attempt('createCallback', () => void (id = real(...args) as number), true) ? id : holdCallback(args[0] as NewCallback);
    },
    queueWebhook: (real) => (...args) => {
      const [id, at] = args as [number, number];
      if (!isStandIn(id)) return void attempt('queueWebhook', () => void real(...args));
      const p = held.find((h) => h.standIn === id);
      if (p?.kind === 'callback') p.webhookAt = at;
    },
    setSetting: (real) => (...args) => {
      const [key, value, at] = args as [string, unknown, number];
      if (attempt('setSetting', () => void real(...args))) unsavedSettings.delete(key);
      else unsavedSettings.set(key, { value, at });
    },
    setting: (real) => (...args) => {
      const unsaved = unsavedSettings.get(args[0] as string);
      return unsaved ? unsaved.value : real(...args);
    },
  };

  const guardedCalls = guard(calls, (prop, real) => {
    const special = callOverrides[prop as keyof CallStore];
    if (special) return special(real);
    const fallback = CALL_WRITES[prop as keyof CallStore];
    return fallback ? guardedWrite(prop, real, fallback) : real;
  });

  const guardedVoicemails = guard(voicemails, (prop, real) => {
    if (prop === 'add') {
      return (...args: unknown[]) => {
        const a = args as VoicemailArgs;
        let id = 0;
        if (!attempt('voicemail', () => void (id = real(...args) as number), true)) return holdVoicemail(a);
        // Kept in a file that is no longer at its path: gone at the next restart unless rescued.
        if (health.fileLost()) log.error(recoveryFields(a[0]), `database: voicemail ${id} for ${a[0].mailbox} (call ${a[0].callId ?? '-'}, recording ${a[0].recording}) was written to a database file that is no longer at its path`);
        return id;
      };
    }
    const fallback = VOICEMAIL_WRITES[prop as keyof VoicemailStore];
    return fallback ? guardedWrite(prop, real, fallback) : real;
  });

  let retrying = false;
  const retry = (): void => {
    // The first write kept makes the store ok again, which calls retry() itself: once is enough.
    if (retrying) return;
    retrying = true;
    try {
      writeHeld();
    } finally {
      retrying = false;
    }
  };
  const writeHeld = (): void => {
    for (const [key, s] of [...unsavedSettings]) {
      if (!attempt('setSetting', () => calls.setSetting(key, s.value, s.at), true)) return;
      unsavedSettings.delete(key);
    }
    while (held.length > 0) {
      const p = held[0]!;
      let id = 0;
      const write = p.kind === 'voicemail' ? () => void (id = voicemails.add(...p.args)) : () => void ((id = calls.createCallback(p.c)), p.webhookAt !== null && calls.queueWebhook(id, p.webhookAt));
      if (!attempt(p.kind, write, true)) return;
      held.shift();
      log.warn({ [p.kind]: id, was: p.standIn }, `database: ${p.kind === 'voicemail' ? 'voicemail' : 'callback request'} held in memory is now written, id ${id}`);
    }
  };
  health.whenOk(retry);

  return { calls: guardedCalls, voicemails: guardedVoicemails, pending: () => held.length, retry };
}

/**
 * The SMS outbox's updates, whose failure is swallowed: a text whose record could not be updated
 * after a send stays claimed, and the next flush settles it (a provider with an idempotency key
 * drops the repeat; without one it is recorded as failed, never sent twice). Queuing a text is not
 * guarded: the call code catches its failure and the caller simply gets no text.
 */
const SMS_WRITES: Partial<Record<keyof SmsStore, () => unknown>> = {
  markSent: () => undefined,
  markRetry: () => undefined,
  markFinished: () => undefined,
  optOut: () => undefined,
};

/** Guards the SmsStore's updates with `health` (the same database as the other stores). */
export function guardSmsStore(sms: SmsStore, health: StoreHealth): SmsStore {
  return guard(sms, (prop, real) => {
    const fallback = SMS_WRITES[prop as keyof SmsStore];
    if (!fallback) return real;
    return (...args: unknown[]) => {
      try {
        const result = real(...args);
        health.wrote();
        return result;
      } catch (e) {
        health.failed(prop, e);
        return fallback();
      }
    };
  });
}

/** What a person needs to find a voicemail again (the caller's number is cut by the log's redactor). */
function recoveryFields(v: NewVoicemail) {
  return { call: v.callId, mailbox: v.mailbox, recording: v.recording, duration: v.duration, createdAt: v.createdAt, caller: v.caller, did: v.did, site: v.site, urgent: v.urgent, reason: v.reason };
}

/** A Proxy handing out each method of `target` once, as `wrap` makes it. */
function guard<T extends object>(target: T, wrap: (prop: string, real: (...args: unknown[]) => unknown) => (...args: unknown[]) => unknown): T {
  const cache = new Map<string | symbol, unknown>();
  return new Proxy(target, {
    get(t, prop) {
      const v: unknown = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      let fn = cache.get(prop);
      if (!fn) {
        const bound = (v as (...args: unknown[]) => unknown).bind(t);
        fn = typeof prop === 'string' ? wrap(prop, bound) : bound;
        cache.set(prop, fn);
      }
      return fn;
    },
  });
}
