/**
 * The fake PBX's state: channels, bridges, id counters, the clock and the application registry.
 * Behaviour lives in the sibling modules (stasis, hangup, bridging, originate, dialplan...), which
 * all work on one FakePbx.
 *
 * Id facts from the transcripts: a uniqueid is `<epoch seconds>.<counter>`; the counter starts at
 * 0 when Asterisk starts and every allocated channel takes one number, even when the client
 * chose the id (`channelId`), and even a Local originate that then fails with a duplicate id
 * (12 -> 13: three duplicate attempts used three numbers). A Local pair takes two numbers (`;1`
 * first) and one unreal sequence number, shared with the MOH announcers (`-0000000c`).
 */
import { FakeApps } from './apps.js';
import { FakeBridge } from './bridge.js';
import { FakeChannel, type ChannelOrigin } from './channel.js';
import { FakeClock } from './clock.js';
import { channelDestroyed, channelOnly, type BuiltEvent } from './events.js';
import type { ChannelState, ChannelTech, DialplanLocation, EventLogEntry, FakeAsteriskOptions, FirstCommandRecord, PartyId } from './types.js';

/** Everything needed to allocate one channel. */
export interface NewChannel {
  readonly id?: string;
  readonly name: string;
  readonly tech: ChannelTech;
  readonly origin: ChannelOrigin;
  readonly state: ChannelState;
  readonly dialplan: DialplanLocation;
  /** The PJSIP endpoint (`PJSIP/1001`), so that endpoint subscribers see ChannelCreated too. */
  readonly endpoint?: string;
  /** Caller id the channel is created with. */
  readonly caller?: PartyId;
}

/** Hooks the media modules register to learn about hangups (avoids import cycles). */
export interface ChannelHooks {
  /** The channel is hanging up while in Stasis: fail its playback, finish its recording. */
  onStasisHangup(ch: FakeChannel): void;
  /** The channel is destroyed. */
  onDestroyed(ch: FakeChannel): void;
}

/** The PBX state every behaviour module works on. */
export class FakePbx {
  readonly clock: FakeClock;
  readonly apps: FakeApps;
  readonly log: EventLogEntry[] = [];
  readonly channels = new Map<string, FakeChannel>();
  readonly bridges = new Map<string, FakeBridge>();
  /**
   * Ids of holding bridges DELETEd while their music played, and until when they stay taken:
   * Asterisk 22.10.1 answered a create with that id 409 "already exists" at least 14 s later, while
   * the bridge itself was gone (moh: 404 "Bridge not found").
   */
  readonly heldBridgeIds = new Map<string, number>();
  readonly asteriskId: string;
  readonly hooks: ChannelHooks[] = [];
  /** Filled only with the `recordFirstCommands` option, by channel id. */
  readonly firstCommands = new Map<string, FirstCommandRecord>();
  private uniqueCounter = 0;
  private unrealSeq = 0;
  private pjsipSeq = 0;

  constructor(readonly options: FakeAsteriskOptions) {
    this.clock = new FakeClock(options.speed ?? 1, options.startTime ?? Date.now());
    this.asteriskId = options.asteriskId ?? '02:fc:00:00:00:01';
    this.apps = new FakeApps(this.clock, this.asteriskId, options.logEvents === false ? null : this.log);
  }

  /** Current ARI timestamp. */
  ts(): string {
    return this.clock.timestamp();
  }

  /** Sends an event to the subscribed applications. */
  emit(b: BuiltEvent): void {
    this.apps.emit(b);
  }

  /** Notes that StasisStart for `channelId` is being emitted now (with `recordFirstCommands`). */
  noteStasisStart(channelId: string): void {
    if (this.options.recordFirstCommands && !this.firstCommands.has(channelId)) this.firstCommands.set(channelId, { channelId, stasisStartAt: performance.now(), firstCommandAt: null, command: null });
  }

  /** Notes a REST command naming `channelId` (the first one after StasisStart is kept). */
  noteCommand(channelId: string, command: string, at: number): void {
    const r = this.firstCommands.get(channelId);
    if (r && r.firstCommandAt === null) {
      r.firstCommandAt = at;
      r.command = command;
    }
  }

  /** Takes the next uniqueid (`<epoch>.<n>`). */
  nextUniqueId(): string {
    // main/channel.c: with a systemname, the uniqueid is `<systemname>-<epoch>.<n>` (checked on 22.10.1).
    const prefix = this.options.systemName ? `${this.options.systemName}-` : '';
    return `${prefix}${this.clock.epochSeconds()}.${this.uniqueCounter++}`;
  }

  /** Takes the next unreal (Local/Announcer) sequence number, 8 hex digits. */
  nextUnrealSeq(): string {
    return (this.unrealSeq++).toString(16).padStart(8, '0');
  }

  /** Takes the next chan_pjsip sequence number, 8 hex digits. */
  nextPjsipSeq(): string {
    return (this.pjsipSeq++).toString(16).padStart(8, '0');
  }

  /** True if a live channel has this uniqueid (for the duplicate-id check). */
  idInUse(id: string): boolean {
    return this.channels.has(id);
  }

  /** Allocates a channel and emits ChannelCreated (seen only by subscribeAll apps at this point). */
  newChannel(spec: NewChannel): FakeChannel {
    const counterId = this.nextUniqueId();
    const ch = new FakeChannel(spec.id ?? counterId, spec.name, spec.tech, spec.origin, this.ts(), spec.state, spec.dialplan);
    ch.endpoint = spec.endpoint ?? null;
    if (spec.caller) ch.caller = { ...spec.caller };
    this.channels.set(ch.id, ch);
    this.emit(channelOnly('ChannelCreated', this.ts(), ch));
    return ch;
  }

  /** A live (not destroyed) channel by uniqueid; announcers are found too. */
  channel(id: string): FakeChannel | undefined {
    return this.channels.get(id);
  }

  /** A live bridge by id. */
  bridge(id: string): FakeBridge | undefined {
    return this.bridges.get(id);
  }

  /** Destroys a channel: ChannelDestroyed with its hangup cause, subscriptions end. */
  destroy(ch: FakeChannel): void {
    if (ch.destroyed) return;
    ch.destroyed = true;
    ch.hangupRequested = true;
    ch.cancelTimers();
    // The snapshot at destruction: an originated ;1 shows its dial location again, others no app.
    const outgoing = ch.origin === 'originate' && ch.half !== 2;
    ch.dialplan = { ...ch.dialplan, app_name: outgoing ? 'AppDial2' : '', app_data: outgoing ? '(Outgoing Line)' : '' };
    this.emit(channelDestroyed(this.ts(), ch, ch.hangupCause));
    this.channels.delete(ch.id);
    this.apps.dropChannel(ch.id);
    for (const h of this.hooks) h.onDestroyed(ch);
  }

  /** Sets the state and emits ChannelStateChange (no event if unchanged). */
  setState(ch: FakeChannel, state: ChannelState): void {
    if (ch.state === state) return;
    ch.state = state;
    this.emit(channelOnly('ChannelStateChange', this.ts(), ch));
  }

  /** Channels visible to ARI (announcers are internal and hidden by the sanitizer). */
  visibleChannels(): FakeChannel[] {
    return [...this.channels.values()].filter((c) => c.origin !== 'internal');
  }

  /** Cancels all timers (on stop). */
  shutdown(): void {
    for (const ch of this.channels.values()) ch.cancelTimers();
    this.clock.cancelAll();
  }
}
