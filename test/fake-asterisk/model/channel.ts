/**
 * A channel of the fake: its ARI snapshot fields plus the state the model needs (Local peer,
 * Stasis membership, bridge, variables, pending timers).
 */
import type { FakeTimer } from './clock.js';
import type { ChannelState, ChannelTech, DialplanLocation, JsonObject, PartyId } from './types.js';

/** How the channel came to be: it decides which subscriptions and events it gets. */
export type ChannelOrigin =
  /** Created by POST /channels (originate); `app` is the app= parameter, if any. */
  | 'originate'
  /** Created by POST /channels/create (ARI dial string saved; Stasis at once). */
  | 'create'
  /** An inbound call placed by the test (dialplan channel). */
  | 'inbound'
  /** Internal helper (MOH announcer). */
  | 'internal';

/** One channel: snapshot fields and model state. */
export class FakeChannel {
  state: ChannelState;
  protocolId = '';
  caller: PartyId = { name: '', number: '' };
  connected: PartyId = { name: '', number: '' };
  dialplan: DialplanLocation;
  readonly language = 'en';
  readonly vars = new Map<string, string>();
  /** The other half of a Local channel (`;1` <-> `;2`). */
  peer: FakeChannel | null = null;
  /** 1 or 2 for Local halves, 0 otherwise. */
  half: 0 | 1 | 2 = 0;
  /** The Stasis application the channel is in, if any. */
  stasisApp: string | null = null;
  stasisArgs: string[] = [];
  /** Apps subscribed because they originated or created this channel (kept until destroyed). */
  readonly originApps = new Set<string>();
  bridgeId: string | null = null;
  hangupRequested = false;
  destroyed = false;
  /** Hangup cause the channel is destroyed with (ast_channel_hangupcause). */
  hangupCause = 0;
  /** The dial string saved by /channels/create, consumed by /dial. */
  ariDialstring: string | null = null;
  /** Endpoint this channel belongs to (`PJSIP/1001`), if a PJSIP channel. */
  endpoint: string | null = null;
  /** Channel MOH started by ARI. */
  moh = false;
  /**
   * Wedged, as Asterisk 22.10.1 left a channel whose queued play was lost when its holding bridge
   * was destroyed (issue 18, transcript 20): every request is accepted and nothing happens, a
   * hangup included; only an Asterisk restart frees it.
   */
  wedged = false;
  /** Plays accepted while the channel is in a bridge and not yet started (the bridge thread takes them a moment later). */
  readonly bridgedPlays: string[] = [];
  /** True when the channel runs dialplan of its own (a Stasis() caller, a Local half running
   * sim-caller or sim-agent): after a hangup its dialplan unwinds with `{cause:16,soft:true}`. */
  runsDialplan = false;
  /** A dial in progress on this channel (originate or /dial); gives Dial NOANSWER if hung up. */
  pendingDial: { dialstring: string } | null = null;
  /** Runs when the channel is answered (starts an inbound caller's script). */
  onAnswer: (() => void) | null = null;
  /** What the far end says, in virtual epoch ms (drives recordings and their silence detection). */
  readonly speech: { start: number; end: number; pcm?: Int16Array }[] = [];
  private readonly timers = new Set<FakeTimer>();

  constructor(
    readonly id: string,
    readonly name: string,
    readonly tech: ChannelTech,
    readonly origin: ChannelOrigin,
    readonly creationtime: string,
    state: ChannelState,
    dialplan: DialplanLocation,
  ) {
    this.state = state;
    this.dialplan = { ...dialplan };
  }

  /** ARI Channel JSON in Asterisk's key order (no channelvars: ari.conf sets none). */
  snapshot(): JsonObject {
    return {
      id: this.id,
      name: this.name,
      state: this.state,
      protocol_id: this.protocolId,
      caller: { name: this.caller.name, number: this.caller.number },
      connected: { name: this.connected.name, number: this.connected.number },
      accountcode: '',
      dialplan: { ...this.dialplan },
      creationtime: this.creationtime,
      language: this.language,
    };
  }

  /** Sets the dialplan location the snapshot shows. */
  at(context: string, exten: string, priority: number, appName: string, appData: string): void {
    this.dialplan = { context, exten, priority, app_name: appName, app_data: appData };
  }

  /** Keeps a timer so that it is cancelled when the channel goes away. */
  track(timer: FakeTimer): void {
    this.timers.add(timer);
  }

  /** Cancels every timer of this channel (scripted DTMF, agent answer, originate timeout...). */
  cancelTimers(): void {
    for (const t of this.timers) t.cancel();
    this.timers.clear();
  }

  /** True while the channel can still be used (not hung up). */
  get alive(): boolean {
    return !this.hangupRequested && !this.destroyed;
  }
}
