/**
 * An in-memory PBX behind the Telephony port, for fast engine tests: channels, bridges, playbacks
 * that take their time on the manual clock, and scripted agent phones. The ARI-level fake
 * (test/fake-asterisk) is the faithful one; this one checks engine logic and end state.
 */
import type { Inventory, LegRole, Media, OriginateRequest, PlaybackEnd, RecordingResult, RecordOptions, Telephony, TelephonyEvent } from '../../src/calls/telephony.js';
import { mediaUri } from '../../src/asterisk/ari-media.js';
import { TelephonyError } from '../../src/calls/telephony.js';
import type { ManualClock } from './manual-clock.js';

export type AgentBehaviour = { answerAfter: number; talkFor?: number } | 'busy' | 'noanswer' | 'unregistered';

export class FakeTelephony implements Telephony {
  readonly channels = new Set<string>();
  readonly bridges = new Map<string, Set<string>>();
  readonly played: { channel: string; media: readonly string[] }[] = [];
  readonly originated: string[] = [];
  /** The last leg channel originated to each endpoint. */
  readonly legOf = new Map<string, string>();
  /** Each originated leg's role (the ARI adapter reads it back from the leg's Stasis arguments). */
  private readonly roles = new Map<string, LegRole>();
  private readonly playing = new Map<string, { channel: string; done: (end: PlaybackEnd) => void; timer: unknown }>();
  private readonly behaviours = new Map<string, AgentBehaviour>();
  handler: (e: TelephonyEvent) => void = () => {};
  private n = 0;

  constructor(private readonly clock: ManualClock, private readonly soundMs = 2000) {}

  /** How an agent's phone behaves when rung. */
  agent(endpoint: string, b: AgentBehaviour): void {
    this.behaviours.set(endpoint, b);
  }

  /** A caller dials in. */
  call(did: string, caller: string): string {
    const channel = `caller-${++this.n}`;
    this.channels.add(channel);
    this.handler({ type: 'call-arrived', channel, did, caller, callerName: '', at: this.clock.now() });
    return channel;
  }

  /** The caller presses a key. */
  press(channel: string, digit: string): void {
    this.handler({ type: 'dtmf', channel, digit, at: this.clock.now() });
  }

  /** A channel hangs up by itself (caller or agent). */
  hangupFrom(channel: string): void {
    if (!this.channels.delete(channel)) return;
    this.moh.delete(channel);
    this.leaveBridges(channel);
    for (const [id, p] of this.playing) if (p.channel === channel) this.endPlayback(id, 'hangup');
    const watch = this.hangupWatch.get(channel);
    this.hangupWatch.delete(channel);
    watch?.();
    this.handler({ type: 'hangup', channel, at: this.clock.now() });
  }

  private leaveBridges(channel: string): void {
    for (const members of this.bridges.values()) members.delete(channel);
  }

  private endPlayback(id: string, end: PlaybackEnd): void {
    const p = this.playing.get(id);
    if (!p) return;
    this.playing.delete(id);
    this.clock.cancel(p.timer);
    p.done(end);
  }

  private need(channel: string): void {
    if (!this.channels.has(channel)) throw new TelephonyError('not-found', 'Channel not found', 404);
  }

  async answer(channel: string): Promise<void> {
    this.need(channel);
  }

  /** Records what was played as Asterisk's media URIs (`sound:...`), as a test of the ARI tier would see them. */
  play(channel: string, playbackId: string, items: readonly Media[]): Promise<PlaybackEnd> {
    this.need(channel);
    const media = items.map(mediaUri);
    this.played.push({ channel, media });
    return new Promise((done) => {
      const timer = this.clock.after(this.soundMs * media.length, () => this.endPlayback(playbackId, 'done'));
      this.playing.set(playbackId, { channel, done, timer });
    });
  }

  async stopPlayback(playbackId: string): Promise<void> {
    this.endPlayback(playbackId, 'stopped');
  }

  async createBridge(bridgeId: string): Promise<void> {
    if (this.bridges.has(bridgeId)) throw new TelephonyError('conflict', `Bridge with id '${bridgeId}' already exists`, 409);
    this.bridges.set(bridgeId, new Set());
  }

  async addToBridge(bridgeId: string, channel: string): Promise<void> {
    const b = this.bridges.get(bridgeId);
    if (!b) throw new TelephonyError('not-found', 'Bridge not found', 404);
    this.need(channel);
    this.leaveBridges(channel);
    b.add(channel);
  }

  async removeFromBridge(bridgeId: string, channel: string): Promise<void> {
    this.bridges.get(bridgeId)?.delete(channel);
  }

  async startBridgeMoh(bridgeId: string): Promise<void> {
    if (!this.bridges.has(bridgeId)) throw new TelephonyError('not-found', 'Bridge not found', 404);
  }

  readonly moh = new Set<string>();

  async startMoh(channel: string): Promise<void> {
    this.need(channel);
    this.moh.add(channel);
  }

  async stopMoh(channel: string): Promise<void> {
    this.moh.delete(channel);
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    this.bridges.delete(bridgeId);
  }

  async originate(req: OriginateRequest): Promise<void> {
    const b = this.behaviours.get(req.endpoint) ?? 'noanswer';
    if (b === 'unregistered') throw new TelephonyError('allocation-failed', 'Allocation failed', 500);
    this.originated.push(req.endpoint);
    this.roles.set(req.channelId, req.role);
    this.legOf.set(req.endpoint, req.channelId);
    this.channels.add(req.channelId);
    this.ringingLegs.add(req.channelId);
    const fail = (reason: 'busy' | 'no-answer') => {
      if (!this.channels.delete(req.channelId)) return;
      this.handler({ type: 'leg-failed', channel: req.channelId, reason, at: this.clock.now() });
    };
    if (b === 'busy') this.clock.after(100, () => fail('busy'));
    else if (b === 'noanswer') this.clock.after(req.timeout * 1000, () => fail('no-answer'));
    else {
      this.clock.after(b.answerAfter, () => {
        if (!this.channels.has(req.channelId)) return;
        this.ringingLegs.delete(req.channelId);
        this.handler({ type: 'leg-answered', channel: req.channelId, at: this.clock.now() });
        if (b.talkFor !== undefined) this.clock.after(b.talkFor, () => this.hangupFrom(req.channelId));
      });
    }
  }

  /** Legs originated and not answered yet (Asterisk shows them Down or Ringing). */
  private readonly ringingLegs = new Set<string>();

  /** What the application holds now, like the ARI adapter's inventory(). */
  inventory(): Inventory {
    return {
      channels: [...this.channels].map((id) => ({ id, answered: !this.ringingLegs.has(id), role: this.roles.get(id) ?? 'caller' })),
      bridges: [...this.bridges].map(([id, m]) => ({ id, channels: [...m] })),
    };
  }

  /** Seconds each caller talks when recorded (then silence ends the recording), by channel. */
  readonly talk = new Map<string, number>();
  readonly recordings = new Map<string, Buffer>();

  record(channel: string, name: string, o: RecordOptions): Promise<RecordingResult> {
    this.need(channel);
    if (this.recordings.has(name)) return Promise.reject(new TelephonyError('conflict', `Recording '${name}' already exists and can not be overwritten`, 409));
    const talking = this.talk.get(channel) ?? 5;
    const seconds = Math.min(o.maxDuration, talking + o.maxSilence);
    return new Promise((resolve) => {
      const finish = (end: RecordingResult['end'], duration: number) => {
        this.recordings.set(name, Buffer.from(`RIFF-fake-${name}-${duration}`));
        resolve({ end, duration, talking: Math.min(talking, duration), silence: Math.max(0, duration - talking) });
      };
      const timer = this.clock.after(seconds * 1000, () => {
        this.hangupWatch.delete(channel);
        // Trailing silence is trimmed, as Asterisk does after a silence stop.
        finish('done', Math.min(talking, seconds));
      });
      const started = this.clock.now();
      this.hangupWatch.set(channel, () => {
        this.clock.cancel(timer);
        finish('hangup', Math.round((this.clock.now() - started) / 1000));
      });
    });
  }

  private readonly hangupWatch = new Map<string, () => void>();

  async recordingFile(name: string): Promise<Buffer> {
    const b = this.recordings.get(name);
    if (!b) throw new TelephonyError('not-found', 'Recording not found', 404);
    return b;
  }

  async deleteRecording(name: string): Promise<void> {
    this.recordings.delete(name);
  }

  async hangup(channel: string): Promise<void> {
    this.need(channel);
    this.hangupFrom(channel);
  }

  /** Legs and callers adopted after a restart, in order. */
  readonly adopted: { channel: string; as: string }[] = [];

  async channelStatus(channel: string): Promise<'gone' | 'in-app' | 'in-dialplan'> {
    return this.channels.has(channel) ? 'in-app' : 'gone';
  }

  adopt(channel: string, as: 'caller' | 'ringing-leg' | 'answered-leg'): void {
    this.adopted.push({ channel, as });
  }

  async awaitRecording(_channel: string, name: string): Promise<RecordingResult | null> {
    return this.recordings.has(name) ? { end: 'done', duration: 3, talking: null, silence: null } : null;
  }

  async sendToFailsafe(channel: string): Promise<void> {
    this.need(channel);
    this.channels.delete(channel);
    this.leaveBridges(channel);
  }
}
