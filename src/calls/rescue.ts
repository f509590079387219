/**
 * Where every telephony failure of a call goes (issue 13), so that no caller is left in the
 * application in silence and no failure goes unlogged:
 * - a request that failed for a transient reason (a time-out, a lost connection, Asterisk's 5xx)
 *   is tried once more when doing it twice is harmless (answer, bridges, music, hangup, the
 *   failsafe hand-off); a channel that is gone ("not found") is no failure at all;
 * - a caller the engine cannot carry on is handed to the failsafe dialplan, and a few seconds later
 *   Asterisk is asked whether the channel really left the application; one still there is hung up,
 *   checked again, and one that survives even that is wedged (issue 18): logged as an error, stored
 *   with its call and counted in status and /metrics;
 * - a request whose failure the caller does not hear (stopping a prompt, removing an empty bridge)
 *   is logged on the call and nothing more.
 * While ARI is disconnected the checks cannot be made: the reconciliation after the reconnect finds
 * any channel still in the application that belongs to no call and sends it to the failsafe.
 */
import type { Logger } from '../logging/logger.js';
import type { Clock } from './clock.js';
import { TelephonyError, type Telephony } from './telephony.js';

/** How long after a failsafe hand-off or a hangup a channel is looked at again (both take milliseconds on a working Asterisk). */
export const VERIFY_AFTER_MS = 3000;

/** The pause before the one retry of a transient failure (a busy Asterisk or a reconnecting socket). */
export const RETRY_AFTER_MS = 300;

/** Codes that may succeed when tried again. */
const TRANSIENT: ReadonlySet<TelephonyError['code']> = new Set(['timeout', 'disconnected', 'pbx-error']);

/** A failure worth one more try. */
export function isTransient(e: unknown): boolean {
  return e instanceof TelephonyError && TRANSIENT.has(e.code);
}

/** The channel is not there any more: nothing to rescue. */
export function isGone(e: unknown): boolean {
  return e instanceof TelephonyError && e.code === 'not-found';
}

export interface RescueDeps {
  readonly telephony: Pick<Telephony, 'sendToFailsafe' | 'hangup' | 'channelStatus'>;
  readonly clock: Clock;
  /** Lines about channels of no known call. */
  readonly logger: Logger;
  /** False once the engine stops: no more checks or retries. */
  readonly running: () => boolean;
  /** A channel that survived the failsafe and a hangup: the engine stores and counts it. */
  readonly wedged: (channel: string) => void;
}

export class Rescue {
  /** Channels being handed over or hung up and checked (one rescue per channel at a time). */
  private readonly busy = new Set<string>();

  constructor(private readonly d: RescueDeps) {}

  /** Runs `op`; a transient failure is tried once more after a short pause. */
  async retry<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      if (!isTransient(e) || !this.d.running()) throw e;
      await new Promise<void>((resolve) => this.d.clock.after(RETRY_AFTER_MS, resolve));
      return op();
    }
  }

  /** Runs a request whose failure nobody hears: a gone channel is fine, anything else is logged on `log`. */
  tolerate(log: Logger, what: string, p: Promise<unknown>): void {
    p.catch((e: unknown) => {
      if (isGone(e)) return;
      log.warn({ request: what, err: e }, `${what} failed: ${(e as Error).message}`);
    });
  }

  /** Is the channel being rescued now? */
  has(channel: string): boolean {
    return this.busy.has(channel);
  }

  /**
   * The caller goes to the failsafe dialplan (tried twice when transient), and is checked: still in
   * the application after VERIFY_AFTER_MS, they are hung up and checked again; still there, wedged.
   */
  handOver(channel: string, log: Logger = this.d.logger): void {
    if (this.busy.has(channel)) return;
    this.busy.add(channel);
    this.retry(() => this.d.telephony.sendToFailsafe(channel)).then(
      () =>
        this.check(channel, log, (status) => {
          if (status === 'in-app') return this.hangUpAndCheck(channel, log, 'it was still in the application after the failsafe hand-off');
          this.busy.delete(channel);
        }),
      (e: unknown) => {
        if (isGone(e)) return void this.busy.delete(channel);
        log.error({ channel, err: e }, `channel ${channel}: the failsafe hand-off failed: ${(e as Error).message}; hanging it up`);
        this.hangUpAndCheck(channel, log, 'the failsafe hand-off failed');
      },
    );
  }

  /** Hangs a channel up (tried twice when transient) and checks it left; still there, it is wedged. */
  hangUp(channel: string, log: Logger = this.d.logger, why = 'the engine ended it'): void {
    if (this.busy.has(channel)) return;
    this.busy.add(channel);
    this.hangUpAndCheck(channel, log, why);
  }

  /**
   * Hangs up a channel the engine is done with (tried twice when transient). Only a failure is
   * followed by a check (a hangup Asterisk accepts and ignores is the request watchdog's case).
   */
  end(channel: string, log: Logger, why: string): void {
    this.retry(() => this.d.telephony.hangup(channel)).catch((e: unknown) => {
      if (isGone(e) || this.busy.has(channel)) return;
      log.error({ channel, err: e }, `channel ${channel}: hanging it up (${why}) failed: ${(e as Error).message}; checking it in ${VERIFY_AFTER_MS / 1000} s`);
      this.busy.add(channel);
      this.check(channel, log, (status) => {
        if (status === 'in-app') return this.hangUpAndCheck(channel, log, why);
        this.busy.delete(channel);
      });
    });
  }

  private hangUpAndCheck(channel: string, log: Logger, why: string): void {
    this.retry(() => this.d.telephony.hangup(channel)).catch((e: unknown) => {
      if (!isGone(e)) log.error({ channel, err: e }, `channel ${channel}: hanging it up (${why}) failed: ${(e as Error).message}`);
    });
    this.check(channel, log, (status) => {
      this.busy.delete(channel);
      if (status === 'in-app') this.d.wedged(channel);
      else log.info({ channel, status }, `channel ${channel}: hung up (${why})`);
    });
  }

  /** Asks Asterisk where the channel is after VERIFY_AFTER_MS; an unanswerable question is logged (the reconnect's reconciliation takes over). */
  private check(channel: string, log: Logger, then: (status: 'gone' | 'in-app' | 'in-dialplan') => void): void {
    this.d.clock.after(VERIFY_AFTER_MS, () => {
      if (!this.d.running()) return;
      this.d.telephony.channelStatus(channel).then(then, (e: Error) => {
        this.busy.delete(channel);
        log.warn({ channel, err: e }, `channel ${channel}: checking where it is failed (${e.message}); it is looked at again when ARI reconnects`);
      });
    });
  }
}
