/**
 * What `pbx-router run` does with an error nobody caught (issue 13). Every one is logged with its
 * stack through the engine's log, at error (kept running) or fatal (exiting).
 *
 * Kept running: an unhandled rejection whose reason is a failure of something outside the engine —
 * a TelephonyError (an ARI request that failed; the call's own watchdogs, the failsafe and the
 * reconcile after a reconnect look after its caller) or a network error of a notification (SMTP,
 * webhook: the outbox retries). The engine's own state is intact after those, and exiting would cut
 * every other caller's audio while the process restarts.
 *
 * Exiting with code 1: any other rejection (a TypeError, a SQLite error: a bug whose state we
 * cannot trust) and every uncaught exception (Node's own advice: the process is in an unknown
 * state). The engine is stopped first, within STOP_DEADLINE_MS, so the database is closed cleanly;
 * systemd or compose restarts the process and the reconcile resumes every caller still in Stasis.
 */
import type { Logger } from '../logging/logger.js';
import { TelephonyError } from '../calls/telephony.js';

/** Why 3 s: stopping closes timers, sockets and SQLite in milliseconds; longer means it is stuck too. */
const STOP_DEADLINE_MS = 3000;

/** Network failures (Node, undici, nodemailer): a peer that did not answer, not a bug of ours. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNECTION', 'ESOCKET', 'EAUTH', 'EDNS', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** Whether an unhandled rejection is known to be harmless (see the module comment). */
export function isHarmlessRejection(reason: unknown): boolean {
  if (reason instanceof TelephonyError) return true;
  const code = (reason as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (reason as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

export interface ProcessPolicy {
  /** From now on errors go to the engine's log, and a fatal one stops the engine before exiting. */
  attach(running: { readonly logger: Logger; stop(): Promise<void> }): void;
  /** Removes the handlers (after a clean stop). */
  dispose(): void;
}

/** Installs the handlers; until attach() they write `fatal:`/`error:` lines with `writeLine`. */
export function installProcessPolicy(writeLine: (line: string) => void, exit: (code: number) => void = (c) => process.exit(c)): ProcessPolicy {
  let running: { readonly logger: Logger; stop(): Promise<void> } | null = null;
  let exiting = false;
  const asError = (x: unknown): Error => (x instanceof Error ? x : new Error(`a non-Error was thrown: ${String(x)}`));
  const fatal = (what: string, x: unknown): void => {
    const err = asError(x);
    const message = `${what}: ${err.message}; stopping the engine and exiting (code 1) so that the service manager restarts it and every caller is resumed`;
    if (running) running.logger.fatal({ component: 'process', err }, message);
    else writeLine(`fatal: ${message}\n${err.stack ?? ''}`);
    if (exiting) return exit(1);
    exiting = true;
    const stopping = running ? running.stop().catch((e: unknown) => writeLine(`fatal: stopping failed: ${asError(e).message}`)) : Promise.resolve();
    const deadline = new Promise<void>((r) => setTimeout(r, STOP_DEADLINE_MS).unref());
    void Promise.race([stopping, deadline]).then(() => exit(1));
  };
  const onRejection = (reason: unknown): void => {
    if (!isHarmlessRejection(reason)) return fatal('unhandled rejection', reason);
    const err = asError(reason);
    const message = `unhandled rejection, harmless (a failed request to Asterisk or a notification peer); the engine keeps running: ${err.message}`;
    if (running) running.logger.error({ component: 'process', err }, message);
    else writeLine(`error: ${message}`);
  };
  const onException = (e: unknown): void => fatal('uncaught exception', e);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    attach: (r) => void (running = r),
    dispose: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
