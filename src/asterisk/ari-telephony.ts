/**
 * The Telephony port on Asterisk 22 through ARI, made safe around ari-client 2.2: every REST call
 * has a timeout and its error body becomes a typed TelephonyError; events are taken from
 * client-level listeners only (per-instance listeners leak) and a malformed one is logged, not
 * fatal; the socket is pinged to find a half-open connection, and a supervisor reconnects for ever
 * with capped backoff (ari-client alone gives up after 10 tries).
 *
 * Facts from the Asterisk 22.10.1 transcripts this relies on: a dialplan channel ends with
 * ChannelHangupRequest then StasisEnd and no ChannelDestroyed; a failed agent leg never gets
 * StasisStart and its outcome is only in Dial's dialstatus and ChannelDestroyed's cause; events may
 * come before the REST answer that caused them, so leg ids are chosen and registered before the
 * originate; an unregistered PJSIP endpoint answers the originate with 500 {"error":"Allocation failed"}.
 */
import type { LineLog } from '../logging/logger.js';
import ari, { type AriClient } from 'ari-client';
import type { Inventory, LegFailure, Media, OriginateRequest, PlaybackEnd, RecordingResult, RecordOptions, Telephony, TelephonyEvent } from '../calls/telephony.js';
import { TelephonyError } from '../calls/telephony.js';
import { toE164 } from '../routing/e164.js';
import { askAri } from './ari-probe.js';
import { FAILSAFE_DIALPLAN, inventoryChannel, legAppArgs, legRoleOf, mediaUri } from './ari-media.js';

export interface AriSettings {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly app: string;
  /** Why 5 s: Asterisk answers in about 1 ms; longer means it is stuck, and a caller must not wait on it. */
  readonly requestTimeoutMs?: number;
  readonly pingIntervalMs?: number;
  readonly country?: string;
  /** How long an accepted request may go without its event before the channel counts as stalled. */
  readonly stallAfterMs?: number;
  /** How long an ended channel is remembered (default 60 s; tests shorten it). */
  readonly forgetEndedAfterMs?: number;
  /** Connect retries: first and longest backoff, and the pace after a refused password (tests shorten them). */
  readonly retry?: { readonly firstMs?: number; readonly maxMs?: number; readonly refusedMs?: number };
  /** The dialplan a caller is handed to when the engine cannot carry it on (default: FAILSAFE_DIALPLAN). */
  readonly failsafe?: { readonly context: string; readonly extension: string; readonly priority: number };
}

/**
 * Why 5 s: a real Asterisk sends PlaybackStarted, StasisEnd or ChannelHangupRequest within a few
 * ms of its answer; seconds later, the channel is not acting on requests (issue 18: a play that
 * never started, a hangup that changed nothing).
 */
export const STALL_AFTER_MS = 5000;

interface Expectation {
  readonly channel: string;
  readonly what: string;
  readonly playback?: string;
  readonly ends?: boolean;
  readonly leaves?: boolean;
  readonly timer: ReturnType<typeof setTimeout>;
}

/**
 * Requests Asterisk answered with success whose event must follow: a playback must start, a hangup
 * must end the channel, a continue must take it out of Stasis. One that does not within the bound
 * is reported once (the engine then tries the failsafe, a hangup, and counts a wedged channel).
 */
export class RequestWatch {
  private readonly open = new Set<Expectation>();

  constructor(
    private readonly afterMs: number,
    private readonly stalled: (channel: string, what: string) => void,
  ) {}

  /**
   * Expects the event of a request on a channel. Called before the request is sent: Asterisk's
   * event often comes before its HTTP answer. Returns the cancel for a request that failed.
   */
  expect(channel: string, what: string, kind: { playback?: string; ends?: boolean; leaves?: boolean }): () => void {
    const x: Expectation = {
      channel,
      what,
      ...kind,
      timer: setTimeout(() => {
        if (!this.open.delete(x)) return;
        this.stalled(channel, what);
      }, this.afterMs),
    };
    x.timer.unref?.();
    this.open.add(x);
    return () => {
      clearTimeout(x.timer);
      this.open.delete(x);
    };
  }

  /** How many requests still wait for their event. */
  size(): number {
    return this.open.size;
  }

  /** Settles the expectations an event fulfils. */
  seen(e: { type: string; channel?: { id?: string }; playback?: unknown }): void {
    if (this.open.size === 0) return;
    const channel = e.channel?.id;
    const pb = (e.playback as { id?: string } | undefined)?.id;
    for (const x of this.open) {
      const done =
        (x.playback !== undefined && pb === x.playback && (e.type === 'PlaybackStarted' || e.type === 'PlaybackFinished' || e.type === 'PlaybackContinuing')) ||
        (x.channel === channel && (e.type === 'ChannelDestroyed' || e.type === 'StasisEnd' || (x.ends === true && e.type === 'ChannelHangupRequest')));
      if (done) {
        clearTimeout(x.timer);
        this.open.delete(x);
      }
    }
  }

  /** Forgets everything (the connection is gone; a reconnect reconciles instead). */
  clear(): void {
    for (const x of this.open) clearTimeout(x.timer);
    this.open.clear();
  }
}

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'stopped';

interface LegTrack {
  answered: boolean;
  dialstatus: string;
  done: boolean;
}

interface PendingRecording {
  readonly channel: string;
  readonly resolve: (r: RecordingResult) => void;
}

interface PendingPlayback {
  readonly channel: string;
  readonly resolve: (end: PlaybackEnd) => void;
  readonly guard: ReturnType<typeof setTimeout>;
}

/**
 * swagger-client's HTTP layer (shred) builds every REST answer with the deprecated `new Buffer()`,
 * and until Node has shown that warning (DEP0005) once it walks the stack on each such call,
 * about a tenth of the engine's CPU per call under load. Marking it shown once, silently, ends that.
 */
export function markBufferWarningShown(): void {
  const quiet = process.noDeprecation;
  process.noDeprecation = true;
  try {
    Reflect.construct(Buffer as unknown as new (size: number) => Buffer, [0]);
  } finally {
    process.noDeprecation = quiet;
  }
}

/**
 * swagger-client (under ari-client) logs through a global `log` that prints every message as a
 * JavaScript array on stdout (the deprecated-Swagger notice at every connect) and keeps every
 * message in `log.history` for ever. Replaced once by one that hands messages to `to` (the engine's
 * log, on stderr), drops the notice, and keeps nothing.
 */
export function quietSwaggerLog(to: (m: string) => void = () => {}): void {
  const g = globalThis as { log?: unknown };
  if (typeof g.log !== 'function' || !String(g.log).includes('log.history')) return;
  g.log = (...args: unknown[]) => {
    const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
    if (!/deprecated version of Swagger/.test(text)) to(`ARI client: ${text.slice(0, 200)}`);
  };
}

const MAX_BACKOFF_MS = 30_000;
/**
 * Why 60 s: Asterisk sends a channel's last events (StasisEnd, ChannelDestroyed, PlaybackFinished,
 * RecordingFinished) within milliseconds of its hangup; a minute covers a stalled socket's backlog.
 */
const FORGET_ENDED_AFTER_MS = 60_000;
/** A hard cap as well, for a burst of hangups faster than the minute forgets them. */
const MAX_ENDED = 5000;
/** Why 30 s: a wrong password does not fix itself; an operator who fixes it waits at most this long. */
const REFUSED_RETRY_MS = 30_000;
/** The longest prompt or announcement we play; past it the playback counts as failed (a `foo:bar` media never finishes). */
const PLAYBACK_GUARD_MS = 10 * 60_000;

type RawEvent = Record<string, unknown> & { type: string; channel?: { id: string; caller?: { number?: string; name?: string } }; args?: string[] };

export class AriTelephony implements Telephony {
  handler: (e: TelephonyEvent) => void = () => {};
  /** Requests Asterisk accepted whose event must follow (see RequestWatch). */
  private readonly watch: RequestWatch;
  /** Called after every connect and reconnect, before new calls are taken (reconcile here). */
  onConnected: () => Promise<void> = async () => {};
  onState: (s: ConnectionState) => void = () => {};
  /**
   * Asterisk gave the application to a newer WebSocket (ApplicationReplaced): this connection gets
   * no more events. An engine of an active/standby pair stops at once (src/cluster/engine-pair.ts);
   * a single engine only says so (another engine was started against the same Asterisk and app).
   */
  onReplaced: () => void = () => this.log(`error: ARI application ${this.settings.app} was taken by another connection (ApplicationReplaced): another pbx-router runs against this Asterisk with the same application; this engine gets no more calls until it reconnects`);
  private client: AriClient | null = null;
  private state: ConnectionState = 'disconnected';
  private readonly callers = new Set<string>();
  private readonly legs = new Map<string, LegTrack>();
  /**
   * Channels that ended, with when: a second hangup event of the same channel (ChannelHangupRequest,
   * StasisEnd, ChannelDestroyed) is not a second hangup, and a play or recording that finishes after
   * it ended counts as hung up. Forgotten FORGET_ENDED_AFTER_MS after (issue 13, finding 6: it grew
   * by one per call for ever).
   */
  private readonly ended = new Map<string, number>();
  private readonly playbacks = new Map<string, PendingPlayback>();
  private readonly recordings = new Map<string, PendingRecording>();
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private awaitingPong = false;
  private stopped = false;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private wakeRetry: ((v?: unknown) => void) | null = null;

  constructor(
    private readonly settings: AriSettings,
    private readonly log: LineLog = () => {},
    private readonly now: () => number = Date.now,
  ) {
    markBufferWarningShown();
    quietSwaggerLog(log);
    this.watch = new RequestWatch(settings.stallAfterMs ?? STALL_AFTER_MS, (channel, what) => this.emit({ type: 'stalled', channel, what, at: this.now() }));
  }

  /** The connection state, for health and status. */
  connection(): ConnectionState {
    return this.state;
  }

  private setState(s: ConnectionState): void {
    if (this.state === s) return;
    this.state = s;
    this.onState(s);
  }

  /**
   * Connects and keeps connecting for ever until stop(); resolves on the first success. Whatever
   * Asterisk answers (nothing, 404, 5xx, not JSON, a refused password) is logged with each try and
   * retried: Asterisk may still be loading, and an exit would leave callers to the dialplan's failsafe.
   */
  async start(): Promise<void> {
    this.stopped = false;
    const { firstMs = 250, maxMs = MAX_BACKOFF_MS, refusedMs = REFUSED_RETRY_MS } = this.settings.retry ?? {};
    const { url, user, password } = this.settings;
    let delay = firstMs;
    for (;;) {
      if (this.stopped) return;
      this.setState('connecting');
      const answer = await askAri(url, user, password, this.settings.requestTimeoutMs ?? 5000);
      let wait = delay;
      if (answer.kind === 'refused') {
        wait = refusedMs;
        this.log(`error: ARI at ${url} refused user '${user}' (HTTP ${answer.status}): the password is wrong or the user is not in Asterisk's ari.conf; set ASTERISK_ARI_PASSWORD (secrets file or environment; ASTERISK_ARI_USER for the user) to the password of '${user}' in ari.conf; retrying every ${inSeconds(wait)}`);
      } else {
        try {
          if (answer.kind === 'not-ready') throw new Error(answer.what);
          await this.connectOnce();
          return;
        } catch (e) {
          this.log(`ARI: cannot connect to ${url} as ${user}: ${(e as Error).message}; retrying in ${inSeconds(wait)}`);
          delay = Math.min(maxMs, delay * 2);
        }
      }
      if (this.stopped) return;
      this.setState('disconnected');
      await new Promise((r) => {
        this.retryTimer = setTimeout(r, wait);
        this.wakeRetry = r;
      });
    }
  }

  private async connectOnce(): Promise<void> {
    const client = await withTimeout(ari.connect(this.settings.url, this.settings.user, this.settings.password), 15_000, 'loading the ARI description');
    this.client = client;
    client.on('*', (event: RawEvent) => this.safely(() => this.onEvent(event)));
    client.on('WebSocketConnected', () => {
      this.guardSocket(client);
      this.setState('connected');
      void this.settleLostRecordings();
      this.onConnected().catch((e: Error) => this.log(`ARI: reconcile after connect failed: ${e.message}`));
    });
    client.on('WebSocketReconnecting', (err?: Error) => {
      // Events are lost while the socket is down: what was expected is settled by the reconcile instead.
      this.watch.clear();
      this.setState('disconnected');
      this.log(`ARI: event socket lost (${err?.message ?? 'closed'}); reconnecting`);
    });
    client.on('WebSocketMaxRetries', () => {
      // ari-client has given up; the supervisor starts over with a fresh client.
      this.client = null;
      this.setState('disconnected');
      if (!this.stopped) void this.start();
    });
    client.on('pong', () => (this.awaitingPong = false));
    await withTimeout(client.start(this.settings.app), 15_000, 'opening the event socket');
  }

  /** Wraps ari-client's message handler (a malformed or unknown event must not crash the process) and pings. */
  private guardSocket(client: AriClient): void {
    const ws = client._ws;
    if (ws) {
      for (const listener of ws.listeners('message')) {
        ws.removeListener('message', listener);
        ws.on('message', (...args: unknown[]) => {
          try {
            listener(...args);
          } catch (e) {
            this.log(`ARI: ignored a malformed event (${(e as Error).message}): ${String(args[0]).slice(0, 200)}`);
          }
        });
      }
    }
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      const sock = client._ws;
      if (!sock || sock.readyState !== 1) return;
      if (this.awaitingPong) {
        // No pong since the last ping: the connection is half-open. Dropping it makes ari-client reconnect.
        this.log('ARI: no pong from Asterisk; dropping the half-open event socket');
        this.awaitingPong = false;
        sock.terminate();
        return;
      }
      this.awaitingPong = true;
      sock.ping();
    }, this.settings.pingIntervalMs ?? 10_000);
    this.pingTimer.unref?.();
  }

  /** Closes the connection for good. */
  stop(): void {
    this.stopped = true;
    // A start() waiting to retry ends now instead of holding the process open.
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
    this.watch.clear();
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.client?.stop();
    this.client = null;
    this.setState('stopped');
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.log(`ARI: error while handling an event: ${(e as Error).message}`);
    }
  }

  /** Drops ended channels older than the memory, and the oldest past the cap (insertion order is end order). */
  private forgetEnded(): void {
    const before = this.now() - (this.settings.forgetEndedAfterMs ?? FORGET_ENDED_AFTER_MS);
    for (const [channel, at] of this.ended) {
      if (at > before && this.ended.size <= MAX_ENDED) break;
      this.ended.delete(channel);
    }
  }

  /** How many entries each per-channel structure holds (tests and diagnostics: all near 0 when idle). */
  bookkeeping(): { callers: number; legs: number; ended: number; playbacks: number; recordings: number; expectations: number } {
    this.forgetEnded();
    return { callers: this.callers.size, legs: this.legs.size, ended: this.ended.size, playbacks: this.playbacks.size, recordings: this.recordings.size, expectations: this.watch.size() };
  }

  private emit(e: TelephonyEvent): void {
    this.safely(() => this.handler(e));
  }

  private hungUp(channel: string): void {
    if (this.ended.has(channel)) return;
    this.ended.set(channel, this.now());
    this.forgetEnded();
    // A playback the channel's hangup cut short may never get its PlaybackFinished (one not yet
    // started, a busy socket); its end is 'hangup' either way, so it is settled now rather than held
    // for PLAYBACK_GUARD_MS. Recordings wait: their RecordingFinished after a hangup carries the duration.
    for (const [id, p] of this.playbacks) {
      if (p.channel !== channel) continue;
      clearTimeout(p.guard);
      this.playbacks.delete(id);
      p.resolve('hangup');
    }
    this.callers.delete(channel);
    this.emit({ type: 'hangup', channel, at: this.now() });
  }

  private legFailed(channel: string, reason: LegFailure): void {
    const leg = this.legs.get(channel);
    if (!leg || leg.done || leg.answered) return;
    leg.done = true;
    this.legs.delete(channel);
    this.emit({ type: 'leg-failed', channel, reason, at: this.now() });
  }

  private onEvent(e: RawEvent): void {
    const id = e.channel?.id;
    this.watch.seen(e);
    switch (e.type) {
      case 'ApplicationReplaced':
        this.onReplaced();
        return;
      case 'StasisStart': {
        if (!id) return;
        const leg = this.legs.get(id);
        if (leg) {
          leg.answered = true;
          this.emit({ type: 'leg-answered', channel: id, at: this.now() });
          return;
        }
        if (legRoleOf(e.args ?? [])) {
          this.log(`ARI: agent leg ${id} entered the application unknown to the engine (an earlier run?); hanging it up`, { channel: id });
          void this.hangup(id).catch(() => {});
          return;
        }
        this.callers.add(id);
        this.ended.delete(id);
        const did = toE164(String(e.args?.[0] ?? ''), this.settings.country);
        const caller = toE164(String(e.channel?.caller?.number ?? ''), this.settings.country);
        this.emit({ type: 'call-arrived', channel: id, did, caller, callerName: String(e.channel?.caller?.name ?? ''), at: this.now() });
        return;
      }
      case 'ChannelDtmfReceived':
        // Callers press menu keys; an answered outbound leg presses 1 to accept an on-call forward.
        if (id && (this.callers.has(id) || this.legs.get(id)?.answered)) this.emit({ type: 'dtmf', channel: id, digit: String(e.digit), at: this.now() });
        return;
      case 'ChannelHangupRequest':
      case 'StasisEnd':
        if (!id) return;
        if (this.callers.has(id) || this.legs.get(id)?.answered) {
          this.legs.delete(id);
          this.hungUp(id);
        }
        return;
      case 'Dial': {
        const peer = (e.peer as { id?: string } | undefined)?.id;
        const leg = peer ? this.legs.get(peer) : undefined;
        if (!peer || !leg) return;
        leg.dialstatus = String(e.dialstatus ?? '');
        const failure: Record<string, LegFailure> = { BUSY: 'busy', CONGESTION: 'congestion', CHANUNAVAIL: 'unreachable', NOANSWER: 'no-answer' };
        const reason = failure[leg.dialstatus];
        if (reason) this.legFailed(peer, reason);
        return;
      }
      case 'ChannelDestroyed': {
        if (!id) return;
        const leg = this.legs.get(id);
        if (leg && !leg.answered) {
          const cause = Number(e.cause);
          const byCause: Record<number, LegFailure> = { 17: 'busy', 18: 'no-answer', 19: 'no-answer', 34: 'congestion', 20: 'unreachable', 27: 'unreachable' };
          this.legFailed(id, byCause[cause] ?? (leg.dialstatus === 'RINGING' ? 'no-answer' : 'failed'));
        } else if (leg) {
          this.legs.delete(id);
          this.hungUp(id);
        } else if (this.callers.has(id)) this.hungUp(id);
        return;
      }
      case 'PlaybackFinished': {
        const pb = e.playback as { id?: string; state?: string; target_uri?: string } | undefined;
        const pending = pb?.id ? this.playbacks.get(pb.id) : undefined;
        if (!pending) return;
        this.playbacks.delete(pb!.id!);
        clearTimeout(pending.guard);
        pending.resolve(this.ended.has(pending.channel) ? 'hangup' : pb!.state === 'done' ? 'done' : 'failed');
        return;
      }
      case 'RecordingFinished':
      case 'RecordingFailed': {
        const rec = e.recording as { name?: string; duration?: number; talking_duration?: number; silence_duration?: number } | undefined;
        const pending = rec?.name ? this.recordings.get(rec.name) : undefined;
        if (!pending) return;
        this.recordings.delete(rec!.name!);
        pending.resolve({
          end: e.type === 'RecordingFailed' ? 'failed' : this.ended.has(pending.channel) ? 'hangup' : 'done',
          duration: Number(rec!.duration ?? 0),
          talking: rec!.talking_duration ?? null,
          silence: rec!.silence_duration ?? null,
        });
        return;
      }
      default:
        return;
    }
  }

  /** One REST operation with a timeout and Asterisk's error turned into a TelephonyError. */
  private async rest<T>(resource: 'channels' | 'bridges' | 'playbacks' | 'recordings' | 'applications' | 'asterisk', op: string, params: Record<string, unknown>): Promise<T> {
    const client = this.client;
    if (!client) throw new TelephonyError('disconnected', `ARI is not connected (${resource}.${op})`);
    const fn = client[resource][op];
    if (!fn) throw new TelephonyError('pbx-error', `ARI has no operation ${resource}.${op}`);
    try {
      return (await withTimeout(fn(params), this.settings.requestTimeoutMs ?? 5000, `ARI ${resource}.${op}`)) as T;
    } catch (e) {
      throw toTelephonyError(e, `${resource}.${op}`);
    }
  }

  async answer(channel: string): Promise<void> {
    await this.rest('channels', 'answer', { channelId: channel });
  }

  async play(channel: string, playbackId: string, media: readonly Media[], language?: string): Promise<PlaybackEnd> {
    if (this.ended.has(channel)) return 'hangup';
    const done = new Promise<PlaybackEnd>((resolve) => {
      const guard = setTimeout(() => {
        this.playbacks.delete(playbackId);
        this.log(`ARI: playback ${playbackId} on ${channel} never finished; treating it as failed`, { channel, playback: playbackId });
        resolve('failed');
      }, PLAYBACK_GUARD_MS);
      guard.unref?.();
      this.playbacks.set(playbackId, { channel, resolve, guard });
    });
    try {
      // `lang`: Asterisk looks each sound up in that language first (es-MX is its es_MX), then in en.
      const cancel = this.watch.expect(channel, `playback ${playbackId} accepted but never started`, { playback: playbackId });
      await this.rest('channels', 'play', { channelId: channel, playbackId, media: media.map(mediaUri).join(','), ...(language ? { lang: language.replace('-', '_') } : {}) }).catch((e: unknown) => {
        cancel();
        throw e;
      });
    } catch (e) {
      const p = this.playbacks.get(playbackId);
      if (p) clearTimeout(p.guard);
      this.playbacks.delete(playbackId);
      if (e instanceof TelephonyError && e.code === 'not-found') return 'hangup';
      throw e;
    }
    return done;
  }

  async stopPlayback(playbackId: string): Promise<void> {
    await this.rest('playbacks', 'stop', { playbackId }).catch(ignoreGone);
  }

  async createBridge(bridgeId: string, kind: 'holding' | 'mixing', name: string): Promise<void> {
    await this.rest('bridges', 'create', { bridgeId, type: kind, name });
  }

  async addToBridge(bridgeId: string, channel: string): Promise<void> {
    await this.rest('bridges', 'addChannel', { bridgeId, channel });
  }

  async removeFromBridge(bridgeId: string, channel: string): Promise<void> {
    // 422 "Channel not in this bridge": it already left (hung up, moved); nothing to do.
    await this.rest('bridges', 'removeChannel', { bridgeId, channel }).catch((e: unknown) => {
      if (e instanceof TelephonyError && /not in this bridge/i.test(e.message)) return;
      ignoreGone(e);
    });
  }

  async startBridgeMoh(bridgeId: string, mohClass: string): Promise<void> {
    await this.rest('bridges', 'startMoh', { bridgeId, mohClass });
  }

  async startMoh(channel: string, mohClass: string): Promise<void> {
    await this.rest('channels', 'startMoh', { channelId: channel, mohClass });
  }

  async stopMoh(channel: string): Promise<void> {
    await this.rest('channels', 'stopMoh', { channelId: channel }).catch(ignoreGone);
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    await this.rest('bridges', 'destroy', { bridgeId }).catch(ignoreGone);
  }

  async originate(req: OriginateRequest): Promise<void> {
    // Registered before the request: the leg's events can arrive before the 200.
    this.legs.set(req.channelId, { answered: false, dialstatus: '', done: false });
    try {
      await this.rest('channels', 'originate', {
        endpoint: req.endpoint,
        app: this.settings.app,
        appArgs: legAppArgs(req.role, req.caller),
        callerId: req.callerId,
        timeout: req.timeout,
        channelId: req.channelId,
      });
    } catch (e) {
      this.legs.delete(req.channelId);
      throw e;
    }
  }

  async hangup(channel: string, reason: 'normal' | 'busy' | 'no_answer' | 'congestion' = 'normal'): Promise<void> {
    const cancel = this.watch.expect(channel, 'hangup accepted but the channel did not end', { ends: true });
    await this.rest('channels', 'hangup', { channelId: channel, reason }).catch((e: unknown) => {
      cancel();
      ignoreGone(e);
    });
  }

  async record(channel: string, name: string, o: RecordOptions): Promise<RecordingResult> {
    const done = new Promise<RecordingResult>((resolve) => this.recordings.set(name, { channel, resolve }));
    try {
      await this.rest('channels', 'record', {
        channelId: channel,
        name,
        format: 'wav',
        maxDurationSeconds: o.maxDuration,
        maxSilenceSeconds: o.maxSilence,
        ifExists: 'fail',
        beep: false,
        terminateOn: o.terminateOn,
      });
    } catch (e) {
      this.recordings.delete(name);
      throw e;
    }
    return done;
  }

  async recordingFile(name: string): Promise<Buffer> {
    const data = await this.rest<Buffer | string>('recordings', 'getStoredFile', { recordingName: name });
    return Buffer.isBuffer(data) ? data : Buffer.from(data, 'binary');
  }

  async deleteRecording(name: string): Promise<void> {
    await this.rest('recordings', 'deleteStored', { recordingName: name }).catch(ignoreGone);
  }

  async sendToFailsafe(channel: string): Promise<void> {
    const { context, extension, priority } = this.settings.failsafe ?? FAILSAFE_DIALPLAN;
    this.callers.delete(channel);
    const cancel = this.watch.expect(channel, `continue to ${context} accepted but the channel stayed in the application`, { leaves: true });
    await this.rest('channels', 'continueInDialplan', { channelId: channel, context, extension, priority }).catch((e: unknown) => {
      cancel();
      throw e;
    });
  }

  async channelStatus(channel: string): Promise<'gone' | 'in-app' | 'in-dialplan'> {
    return this.rest<{ dialplan?: { app_name?: string; app_data?: string } }>('channels', 'get', { channelId: channel }).then(
      (c) => (c.dialplan?.app_name === 'Stasis' && String(c.dialplan.app_data ?? '').split(',')[0] === this.settings.app ? 'in-app' : 'in-dialplan'),
      (e: unknown) => {
        if (e instanceof TelephonyError && e.code === 'not-found') return 'gone' as const;
        throw e;
      },
    );
  }

  /**
   * What Asterisk holds now, for reconciliation: the application's channels and bridges. A channel
   * is the application's when the application lists it, or when it is in Stasis(<app>,...): after
   * a restart a real Asterisk 22 left an agent leg that was talking in a mixing bridge out of the
   * application's channel_ids, and the call was then cut as an orphan.
   */
  async inventory(): Promise<Inventory> {
    const app = await this.rest<{ channel_ids?: string[]; bridge_ids?: string[] }>('applications', 'get', { applicationName: this.settings.app });
    const channels = await this.rest<{ id: string; state: string; dialplan?: { app_name?: string; app_data?: string } }[]>('channels', 'list', {});
    const bridges = await this.rest<{ id: string; channels: string[] }[]>('bridges', 'list', {});
    const mine = new Set(app.channel_ids ?? []);
    const inStasis = (c: { dialplan?: { app_name?: string; app_data?: string } }) => c.dialplan?.app_name === 'Stasis' && String(c.dialplan.app_data ?? '').split(',')[0] === this.settings.app;
    return {
      channels: channels.filter((c) => mine.has(c.id) || inStasis(c)).map(inventoryChannel),
      bridges: bridges.filter((b) => b.id.startsWith('pbx-')).map((b) => ({ id: b.id, channels: [...b.channels] })),
    };
  }

  /**
   * This Asterisk is written off (NodeTelephony gave up waiting for it): the events of its channels
   * will never come, so what waits on them settles now (a playback as hung up, a recording as
   * failed: nothing of it can be fetched) and its channels are forgotten. Emits nothing: the caller
   * says how the channels ended. A reconnect later starts from the reconcile, as after a restart.
   */
  writeOff(): void {
    this.watch.clear();
    for (const [id, p] of this.playbacks) {
      clearTimeout(p.guard);
      this.playbacks.delete(id);
      p.resolve('hangup');
    }
    for (const [name, r] of this.recordings) {
      this.recordings.delete(name);
      r.resolve({ end: 'failed', duration: 0, talking: null, silence: null });
    }
    for (const channel of [...this.callers, ...this.legs.keys()]) this.ended.set(channel, this.now());
    this.callers.clear();
    this.legs.clear();
    this.forgetEnded();
  }

  /** Marks a channel as a known caller again after a restart (its StasisStart is not repeated). */
  adoptCaller(channel: string): void {
    this.callers.add(channel);
    this.ended.delete(channel);
  }

  adopt(channel: string, as: 'caller' | 'ringing-leg' | 'answered-leg'): void {
    if (as === 'caller') return this.adoptCaller(channel);
    // A ringing leg's answer is its StasisStart; its failure is Dial's status or ChannelDestroyed's cause.
    this.legs.set(channel, { answered: as === 'answered-leg', dialstatus: as === 'ringing-leg' ? 'RINGING' : '', done: false });
    this.ended.delete(channel);
  }

  /**
   * Recordings whose end event was lost with the event socket (a caller who hung up during a
   * voicemail while ARI was disconnected): settled from what Asterisk stored, so the message is kept
   * instead of waiting for an event that will never come. A recording Asterisk still records goes on.
   */
  private async settleLostRecordings(): Promise<void> {
    for (const [name, pending] of [...this.recordings]) {
      try {
        const live = await this.rest<{ state?: string }>('recordings', 'getLive', { recordingName: name }).catch((e: unknown) => {
          if (e instanceof TelephonyError && e.code === 'not-found') return null;
          throw e;
        });
        if (live || this.recordings.get(name) !== pending) continue;
        this.recordings.delete(name);
        const file = await this.recordingFile(name).catch(() => null);
        const status = await this.channelStatus(pending.channel).catch(() => 'gone' as const);
        const duration = file ? Math.round(Math.max(0, file.length - 44) / 16000) : 0;
        this.log(`ARI: recording ${name} ended while the event socket was down; taken from the stored file (${duration} s)`, { channel: pending.channel, recording: name });
        pending.resolve({ end: status === 'in-app' ? 'done' : 'hangup', duration, talking: null, silence: null });
      } catch (e) {
        this.log(`warning: ARI: checking recording ${name} after the reconnect failed: ${(e as Error).message}`, { channel: pending.channel, recording: name });
      }
    }
  }

  async awaitRecording(channel: string, name: string): Promise<RecordingResult | null> {
    const done = new Promise<RecordingResult>((resolve) => this.recordings.set(name, { channel, resolve }));
    const live = await this.rest<{ state?: string }>('recordings', 'getLive', { recordingName: name }).catch((e: unknown) => {
      if (e instanceof TelephonyError && e.code === 'not-found') return null;
      throw e;
    });
    if (live) return done;
    // It ended while the engine was away: the stored file says how long it is (8 kHz 16-bit WAV).
    this.recordings.delete(name);
    const file = await this.recordingFile(name).catch(() => null);
    if (!file) return null;
    const duration = Math.round(Math.max(0, file.length - 44) / 16000);
    return { end: this.ended.has(channel) ? 'hangup' : 'done', duration, talking: null, silence: null };
  }
}

/** 0.25 s, 4 s, 30 s. */
function inSeconds(ms: number): string {
  return `${ms < 10_000 ? Number((ms / 1000).toFixed(2)) : Math.round(ms / 1000)} s`;
}

function ignoreGone(e: unknown): void {
  if (e instanceof TelephonyError && e.code === 'not-found') return;
  throw e;
}

/** Asterisk's error body (`{"message": ...}` or `{"error": ...}`) as a TelephonyError; ari-client drops the status. */
export function toTelephonyError(e: unknown, op: string): TelephonyError {
  if (e instanceof TelephonyError) return e;
  const text = (e as Error)?.message ?? String(e);
  let message = text;
  try {
    const body = JSON.parse(text) as { message?: string; error?: string };
    message = body.message ?? body.error ?? text;
  } catch {
    // Not JSON: a transport error (ECONNREFUSED, socket hang up).
    return new TelephonyError('disconnected', `ARI ${op}: ${text}`);
  }
  if (/not found/i.test(message)) return new TelephonyError('not-found', `ARI ${op}: ${message}`, 404);
  if (/not in Stasis/i.test(message)) return new TelephonyError('not-in-stasis', `ARI ${op}: ${message}`, 409);
  if (/Allocation failed/i.test(message)) return new TelephonyError('allocation-failed', `ARI ${op}: ${message}`, 500);
  if (/already exists/i.test(message)) return new TelephonyError('conflict', `ARI ${op}: ${message}`, 409);
  return new TelephonyError('pbx-error', `ARI ${op}: ${message}`);
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TelephonyError('timeout', `${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
