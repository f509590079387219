/**
 * FakeAsterisk: an HTTP + WebSocket server that ari-client talks to unchanged and that behaves
 * like Asterisk 22.10.1 (status codes, error texts, event fields and order), driven by the
 * transcripts in test/fixtures/ari-transcripts and Asterisk's own source. See README.md here.
 */
import { answerCalledPhone } from './model/agents.js';
import { allocate } from './model/alloc.js';
import { answerChannel, callerHangsUp, setCallerId, startInbound, type CallRecord, type CallerScript } from './model/callers.js';
import type { FakeChannel } from './model/channel.js';
import { ControlQueues } from './model/control-queue.js';
import { dtmfEvent } from './model/events.js';
import { FakeEndpoints, type AgentBehaviour } from './model/endpoints.js';
import { hangupChannel } from './model/hangup.js';
import { FakePbx } from './model/pbx.js';
import { FakePlaybacks } from './model/playbacks.js';
import { FakeRecordings } from './model/recordings.js';
import { SoundLibrary } from './model/sounds.js';
import type { EventLogEntry, FakeAsteriskOptions, FirstCommandRecord, JsonObject } from './model/types.js';
import { toWav } from './model/wav.js';
import type { FakeEnv } from './http/rest.js';
import { Router } from './http/router.js';
import { channelRoutes } from './http/routes-channels.js';
import { channelMediaRoutes } from './http/routes-channel-media.js';
import { bridgeRoutes } from './http/routes-bridges.js';
import { mediaRoutes } from './http/routes-media.js';
import { miscRoutes } from './http/routes-misc.js';
import { FakeAriServer, type InjectedFault } from './http/server.js';

/** An inbound call placed by a test. */
export interface PlaceCallOptions {
  /** The dialled number (the Stasis argument), e.g. `5551234` or `+15125550100`. */
  readonly did: string;
  /** The caller's number. */
  readonly caller: string;
  readonly callerName?: string;
  readonly script?: CallerScript;
  /** `local` (default): Local/<did>@from-carrier `;2` as in the lab; `pjsip`: a PJSIP/carrier channel (17). */
  readonly via?: 'local' | 'pjsip';
  /** A desk phone calling in (`PJSIP/1001`, context `phones`, 18); implies a PJSIP channel. */
  readonly fromEndpoint?: string;
  /** The SIP Call-ID shown as `protocol_id` of a PJSIP caller. */
  readonly sipCallId?: string;
}

/** The fake Asterisk: start() it, point ari-client at its url, script callers and agents. */
export class FakeAsterisk {
  readonly user: string;
  readonly password: string;
  private readonly pbx: FakePbx;
  private readonly env: FakeEnv;
  private readonly server: FakeAriServer;
  private readonly callList: CallRecord[] = [];
  private baseUrl = '';

  constructor(options: FakeAsteriskOptions = {}) {
    this.user = options.user ?? 'router';
    this.password = options.password ?? 'router-secret';
    const pbx = new FakePbx(options);
    const sounds = new SoundLibrary(options.sounds);
    const queues = new ControlQueues();
    const endpoints = new FakeEndpoints(pbx);
    const recordings = new FakeRecordings(pbx, queues, (ch) => answerChannel(pbx, ch));
    const playbacks = new FakePlaybacks(pbx, sounds, queues, (name) => recordings.durationMs(name));
    pbx.hooks.push(playbacks, recordings, {
      onStasisHangup: () => undefined,
      onDestroyed: (ch) => {
        const ep = ch.endpoint ? endpoints.byDialString(ch.endpoint) : undefined;
        if (ep) {
          endpoints.channelsChanged(ep, ch, false);
          endpoints.deviceChanged(ep);
        }
      },
    });
    const dial = {
      app: 'pbx-router',
      endpoints,
      calls: this.callList,
      sayMs: (s: string) => sounds.duration(s) ?? 0,
      onDtmf: (ch: FakeChannel, digit: string) => recordings.onDtmf(ch, digit),
    };
    this.pbx = pbx;
    this.env = { pbx, endpoints, playbacks, recordings, sounds, dial, version: '22.10.1' };
    const router = new Router([...channelRoutes(this.env), ...channelMediaRoutes(this.env), ...bridgeRoutes(this.env), ...mediaRoutes(this.env), ...miscRoutes(this.env)]);
    this.server = new FakeAriServer(this.env, router, {
      user: this.user,
      password: this.password,
      serverName: options.serverName ?? 'Asterisk/22.10.1',
      eventOrder: options.eventOrder ?? 'events-first',
    });
  }

  /** Starts listening on 127.0.0.1 (random port); `url` is what ari.connect() takes. */
  async start(): Promise<{ url: string; port: number }> {
    const port = await this.server.listen();
    this.baseUrl = `http://127.0.0.1:${port}`;
    return { url: this.baseUrl, port };
  }

  /** Stops the server, drops every connection and cancels every timer. */
  async stop(): Promise<void> {
    this.pbx.shutdown();
    await this.server.close();
  }

  /**
   * Injects a fault (tests only): the next `times` REST requests whose `METHOD /ari/path?query body`
   * matches `match` are not carried out and get no answer (`timeout`), a 500 (`error`), or a closed
   * socket (`drop`). The returned object counts the requests it caught (`hits`).
   */
  injectFault(f: { readonly method?: string; readonly match: RegExp; readonly mode: InjectedFault['mode']; readonly times?: number }): InjectedFault {
    const fault: InjectedFault = { ...(f.method ? { method: f.method } : {}), match: f.match, mode: f.mode, remaining: f.times ?? 1, hits: 0 };
    this.server.faults.push(fault);
    return fault;
  }

  /** Asterisk's virtual time (epoch ms): what an engine under test should take as its clock. */
  now(): number {
    return this.pbx.clock.now();
  }

  /** The time scale (10: media and timers run ten times faster than the wall clock). */
  get speed(): number {
    return this.pbx.options.speed ?? 1;
  }

  /** The base URL (after start). */
  get url(): string {
    return this.baseUrl;
  }

  /** An inbound call to `did` that enters Stasis(pbx-router, did) (or the failsafe if the app is missing). */
  placeCall(opts: PlaceCallOptions): CallRecord {
    const { pbx, env } = this;
    const party = { name: opts.callerName ?? '', number: opts.caller };
    const via = opts.fromEndpoint ? 'pjsip' : (opts.via ?? 'local');
    const alloc = via === 'local' ? allocate(pbx, env.endpoints, `Local/${opts.did}@from-carrier`, undefined, undefined, 'inbound') : null;
    let ch1: FakeChannel | null = null;
    let ch2: FakeChannel;
    if (alloc && alloc.ok && alloc.ch2) {
      ch1 = alloc.ch1;
      ch2 = alloc.ch2;
      ch1.runsDialplan = true;
      ch1.at(ch1.dialplan.context, ch1.dialplan.exten, 1, 'AppDial2', '(Outgoing Line)');
      setCallerId(pbx, ch1, party, true);
      setCallerId(pbx, ch2, party, false);
    } else {
      const ep = this.env.endpoints.byDialString(opts.fromEndpoint ?? 'PJSIP/carrier');
      if (!ep) throw new Error(`unknown endpoint ${opts.fromEndpoint ?? ''}`);
      const n = pbx.nextPjsipSeq();
      ch2 = pbx.newChannel({ name: `PJSIP/${ep.resource}-${n}`, tech: 'PJSIP', origin: 'inbound', state: 'Ring', endpoint: `PJSIP/${ep.resource}`, dialplan: { context: ep.context, exten: opts.did, priority: 1, app_name: '', app_data: '' } });
      ch2.protocolId = opts.sipCallId ?? `${parseInt(n, 16) + 1}-${process.pid}@127.0.0.1`;
      ch2.caller = opts.fromEndpoint && !opts.caller ? { ...ep.callerId } : { ...party };
      this.env.endpoints.channelsChanged(ep, ch2, true);
    }
    const rec: CallRecord = { did: opts.did, caller: party, channelId: ch2.id, callerLegId: ch1?.id ?? null, outcome: 'stasis', failure: null, answered: false };
    this.callList.push(rec);
    startInbound(pbx, env.dial, ch2, ch1, opts.script ?? {}, rec);
    return rec;
  }

  /** How a called endpoint behaves: `PJSIP/1001` (registers it), `Local/answer@sim-agent`, `PJSIP/+1555@carrier`. */
  setAgent(endpoint: string, behaviour: AgentBehaviour): void {
    this.env.endpoints.setBehaviour(endpoint, behaviour);
  }

  /** A phone set to `manual` (or any ringing called leg of this endpoint) answers now. */
  answerAgent(endpoint: string): void {
    for (const ch of this.legsOf(endpoint)) if (ch.state === 'Ringing') answerCalledPhone(ch);
  }

  /** A called party hangs up now (a PJSIP phone sends BYE; a Local agent's dialplan ends). */
  hangupAgent(endpoint: string): void {
    for (const ch of this.legsOf(endpoint)) {
      if (ch.tech === 'PJSIP') hangupChannel(this.pbx, ch, 'bye', 0);
      else if (ch.peer) hangupChannel(this.pbx, ch.peer, 'dialplan', 16);
    }
  }

  private legsOf(endpoint: string): FakeChannel[] {
    const ep = this.env.endpoints.byDialString(endpoint);
    const local = endpoint.startsWith('Local/') ? `${endpoint}-` : null;
    return [...this.pbx.channels.values()].filter((c) => c.alive && ((ep && c.endpoint === `PJSIP/${ep.resource}`) || (local && c.half === 1 && c.name.startsWith(local))));
  }

  /** Destroys the app's websocket TCP connection without a close frame (events meanwhile are lost). */
  dropWebSocket(app: string): boolean {
    return this.server.events.drop(app);
  }

  /**
   * A network cut of the event socket: the app's websocket is destroyed and new event-socket
   * connections are reset for `ms` of Asterisk time, while REST keeps working (as in 15).
   */
  cutWebSocket(app: string, ms: number): boolean {
    this.server.socketsRefusedUntil = this.now() + ms;
    return this.server.events.drop(app);
  }

  /**
   * Asterisk restarts (a crash of the PBX, or `core restart now`): every channel and bridge is gone
   * at once with no event (nobody is connected to tell), every event socket is dropped and refused
   * for `downMs` of Asterisk time, then Asterisk is back, empty, with the same configuration.
   */
  restartAsterisk(downMs = 3000): void {
    for (const ch of this.pbx.channels.values()) {
      ch.cancelTimers();
      ch.destroyed = true;
      this.pbx.apps.dropChannel(ch.id);
    }
    this.pbx.channels.clear();
    for (const id of this.pbx.bridges.keys()) this.pbx.apps.dropBridge(id);
    this.pbx.bridges.clear();
    this.server.socketsRefusedUntil = this.now() + downMs;
    for (const app of ['pbx-router']) this.server.events.drop(app);
  }

  /** The channel wedges now: every request is accepted and none acts (as Asterisk 22.10.1 did in issue 18). */
  wedge(channelId: string): void {
    const ch = this.pbx.channel(channelId);
    if (!ch?.alive) throw new Error(`no live channel ${channelId}`);
    ch.wedged = true;
  }

  /** The caller of an inbound call presses a key now. */
  sendDtmf(channelId: string, digit: string, durationMs = 100): void {
    const ch = this.pbx.channel(channelId);
    if (!ch?.alive) throw new Error(`no live channel ${channelId}`);
    this.pbx.emit(dtmfEvent(this.pbx.ts(), ch, digit, durationMs));
    this.env.recordings.onDtmf(ch, digit);
  }

  /**
   * The caller says `pcm` (8 kHz samples) from `from` (Asterisk time, default now), and then is
   * silent: the stand-in voice of its script stops at `from`. A recording of the channel holds
   * exactly that speech. `from` may be a moment already past (a test that sees RecordingStarted a
   * little late): a recording's audio is made when it ends. Silence detection of a recording
   * already running is not re-armed: the caller ends it with # or a hangup.
   */
  say(channelId: string, pcm: Int16Array, from = this.pbx.clock.now()): void {
    const ch = this.pbx.channel(channelId);
    if (!ch?.alive) throw new Error(`no live channel ${channelId}`);
    for (const [i, s] of ch.speech.entries()) if (!s.pcm && s.end > from) ch.speech[i] = { start: s.start, end: Math.max(s.start, from) };
    ch.speech.push({ start: from, end: from + Math.ceil((pcm.length * 1000) / 8000), pcm });
  }

  /** The caller of an inbound call hangs up now. */
  hangupCaller(channelId: string): void {
    const ch = this.pbx.channel(channelId);
    if (ch) callerHangsUp(this.pbx, ch, ch.peer);
  }

  /** Adds a sound (e.g. a clinic prompt) with its duration in ms, in `en` unless a language is given. */
  addSound(name: string, ms: number, language?: string): void {
    this.env.sounds.add(name, ms, language);
  }

  /** Deletes a sound's file in one language, or in every language (a prompt nobody installed). */
  removeSound(name: string, language?: string): boolean {
    return this.env.sounds.remove(name, language);
  }

  /** Adds a stored recording (default: one second of silence). */
  addStoredRecording(name: string, format = 'wav', data: Buffer = toWav(new Int16Array(8000))): void {
    this.env.recordings.stored.set(name, { name, format, data });
  }

  /** The file of a stored recording, if any. */
  storedRecording(name: string): Buffer | undefined {
    return this.env.recordings.stored.get(name)?.data;
  }

  /** True while music on hold plays to a channel (POST /channels/{id}/moh, not yet DELETEd). */
  onHold(channelId: string): boolean {
    return this.pbx.channel(channelId)?.moh === true;
  }

  /** Snapshots of the live channels (as GET /channels). */
  channels(): JsonObject[] {
    return this.pbx.visibleChannels().map((c) => c.snapshot());
  }

  /** Snapshots of the live bridges. */
  bridges(): JsonObject[] {
    return [...this.pbx.bridges.values()].map((b) => b.snapshot());
  }

  /** Playbacks that are queued or playing. */
  playbacks(): JsonObject[] {
    return this.env.playbacks.list().map((p) => this.env.playbacks.toJson(p));
  }

  /** Every event sent (or lost) per application, in order. */
  eventLog(): readonly EventLogEntry[] {
    return this.pbx.log;
  }

  /** Calls placed so far (by placeCall or by the lab's originate to from-carrier). */
  calls(): readonly CallRecord[] {
    return this.callList;
  }

  /** StasisStart -> first REST command per channel (only with the `recordFirstCommands` option). */
  firstCommand(channelId: string): FirstCommandRecord | undefined {
    return this.pbx.firstCommands.get(channelId);
  }

  /** What the caller on a live channel hears: a playback, MOH (own or the bridge's), another party, or nothing. */
  hearing(channelId: string): 'playback' | 'moh' | 'party' | 'silence' | 'gone' {
    const ch = this.pbx.channel(channelId);
    if (!ch?.alive) return 'gone';
    if (this.env.playbacks.list().some((p) => p.targetUri === `channel:${channelId}` && (p.state === 'playing' || p.state === 'continuing'))) return 'playback';
    if (ch.moh) return 'moh';
    const bridge = ch.bridgeId ? this.pbx.bridge(ch.bridgeId) : undefined;
    if (bridge?.mohChannelId) return 'moh';
    if (bridge && bridge.members.length > 1 && bridge.kind === 'mixing') return 'party';
    return 'silence';
  }

  /** Is the channel alive, answered and in a Stasis application (not in the dialplan)? */
  inStasis(channelId: string): boolean {
    const ch = this.pbx.channel(channelId);
    return !!ch?.alive && ch.stasisApp !== null;
  }

  /** True while the app has a connected websocket. */
  isConnected(app: string): boolean {
    return !!this.pbx.apps.get(app)?.session;
  }

  /** Resolves when an event matching `pred` has been sent (or was already), rejects after `timeoutMs` of wall time. */
  waitForEvent(pred: (e: JsonObject) => boolean, timeoutMs = 5000): Promise<JsonObject> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const poll = () => {
        const hit = this.pbx.log.find((l) => pred(l.event));
        if (hit) return resolve(hit.event);
        if (Date.now() - started > timeoutMs) return reject(new Error('FakeAsterisk.waitForEvent: timed out'));
        setTimeout(poll, 5);
      };
      poll();
    });
  }
}
