/**
 * The Telephony port: the small set of things calls/ asks of the PBX, and the events it hears
 * back. The ARI adapter implements it for Asterisk; tests use a fake. Expected outcomes (a
 * playback that ended because the caller hung up, an agent who was busy) are values, not errors.
 */

/** How a playback ended. */
export type PlaybackEnd = 'done' | 'failed' | 'stopped' | 'hangup';

/** Why an agent leg did not answer (from Dial's dialstatus and ChannelDestroyed's cause). */
export type LegFailure = 'busy' | 'no-answer' | 'congestion' | 'unreachable' | 'failed' | 'refused';

/**
 * What a channel hears, item by item: a sound file by name (in the play's or the channel's
 * language), one digit read out (each digit its own item, so a key pressed while a number is read
 * back stops it at once), or a number said as a number ("three"). How each is spelled for the PBX
 * is the adapter's business.
 */
export type Media = { readonly kind: 'sound'; readonly name: string } | { readonly kind: 'digit'; readonly digit: string } | { readonly kind: 'number'; readonly value: number };

export const sound = (name: string): Media => ({ kind: 'sound', name });
/** A number read out digit by digit ("5, 1, 2"), e.g. a phone number. */
export const digitsOf = (text: string): Media[] => [...text].map((digit) => ({ kind: 'digit', digit }));
export const saidNumber = (value: number): Media => ({ kind: 'number', value });

/** Options for an outbound leg to an agent's phone or an outside number. */
export interface OriginateRequest {
  /** Chosen by the engine before originating, so events that beat the REST answer can be matched. */
  readonly channelId: string;
  readonly endpoint: string;
  readonly callerId: string;
  /** Seconds to ring before giving up. */
  readonly timeout: number;
  /** A desk phone's leg in a queue or ring, or an on-call clinician's cell. */
  readonly role: LegRole;
  /** The caller's channel the leg is for (an engine restarted while it rings finds the call by it). */
  readonly caller: string;
}

export type LegRole = 'agent' | 'oncall';

/** What Asterisk holds for the application, for reconciliation after a reconnect or a restart. */
export interface Inventory {
  readonly channels: readonly { readonly id: string; readonly answered: boolean; readonly role: 'caller' | LegRole }[];
  readonly bridges: readonly { readonly id: string; readonly channels: readonly string[] }[];
  /**
   * Whether the inventory speaks for a channel. Several Asterisk nodes: only for channels of the
   * nodes it could read (a node that is down says nothing, and its calls are not written off by
   * a reconcile). Absent: it speaks for every channel.
   */
  readonly covers?: (channel: string) => boolean;
}

/** How a recording ended and how long it is (seconds), from RecordingFinished. */
export interface RecordingResult {
  readonly end: 'done' | 'hangup' | 'failed';
  readonly duration: number;
  readonly talking: number | null;
  readonly silence: number | null;
}

export interface RecordOptions {
  readonly maxDuration: number;
  readonly maxSilence: number;
  readonly terminateOn: '#' | 'any' | 'none';
}

export interface Telephony {
  /** Answers a ringing inbound channel. */
  answer(channel: string): Promise<void>;
  /** Plays media in order on a channel, in `language` when given (else the channel's); resolves with how the playback ended. */
  play(channel: string, playbackId: string, media: readonly Media[], language?: string): Promise<PlaybackEnd>;
  /** Stops a playback (no error when it already ended). */
  stopPlayback(playbackId: string): Promise<void>;
  /** Creates a bridge with an id chosen by the engine. */
  createBridge(bridgeId: string, kind: 'holding' | 'mixing', name: string): Promise<void>;
  /** Puts a channel into a bridge (moving it out of any other bridge). */
  addToBridge(bridgeId: string, channel: string): Promise<void>;
  /** Takes a channel out of a bridge (no error when the bridge or the channel is already gone). */
  removeFromBridge(bridgeId: string, channel: string): Promise<void>;
  /** Starts music on hold for everyone in a bridge. */
  startBridgeMoh(bridgeId: string, mohClass: string): Promise<void>;
  /** Starts music on hold on one channel. */
  startMoh(channel: string, mohClass: string): Promise<void>;
  /** Stops music on hold on one channel (no error when the channel is gone). */
  stopMoh(channel: string): Promise<void>;
  /** Destroys a bridge (no error when it is already gone). */
  destroyBridge(bridgeId: string): Promise<void>;
  /** Originates a leg into the application; failures to even start it reject with a TelephonyError. */
  originate(req: OriginateRequest): Promise<void>;
  /** Hangs up a channel (no error when it is already gone). */
  hangup(channel: string, reason?: 'normal' | 'busy' | 'no_answer' | 'congestion'): Promise<void>;
  /** Records the channel into a stored WAV recording; resolves when it ends (silence, #, maximum length or hangup). */
  record(channel: string, name: string, options: RecordOptions): Promise<RecordingResult>;
  /** The stored recording's WAV bytes. */
  recordingFile(name: string): Promise<Buffer>;
  /** Deletes a stored recording (no error when it is already gone). */
  deleteRecording(name: string): Promise<void>;
  /** Hands a caller to the failsafe dialplan (it rings the fallback, then takes a voicemail): the way out when the engine cannot carry a call on. */
  sendToFailsafe(channel: string): Promise<void>;
  /**
   * After a restart, takes a recording that was already running when the engine stopped (its
   * RecordingFinished is still to come, or came while nobody listened): resolves when it ends, or
   * with null when there is no such recording (it had not started yet).
   */
  awaitRecording(channel: string, name: string): Promise<RecordingResult | null>;
  /** Where the channel is now (GET /channels/{id}): gone, still in this application, or in the dialplan. */
  channelStatus(channel: string): Promise<'gone' | 'in-app' | 'in-dialplan'>;
  /** After a restart, a channel of a call still in progress is this engine's again: a caller, a leg still ringing, or an answered leg. */
  adopt(channel: string, as: 'caller' | 'ringing-leg' | 'answered-leg'): void;
}

/** What the PBX tells the engine about calls, after the adapter has made sense of Asterisk's events. */
export type TelephonyEvent =
  | { readonly type: 'call-arrived'; readonly channel: string; readonly did: string; readonly caller: string; readonly callerName: string; readonly at: number }
  | { readonly type: 'dtmf'; readonly channel: string; readonly digit: string; readonly at: number }
  /** `nodeLost`: the Asterisk node holding the channel was lost (gone past its grace period): the end was not seen, it is assumed. */
  | { readonly type: 'hangup'; readonly channel: string; readonly at: number; readonly nodeLost?: string }
  | { readonly type: 'leg-answered'; readonly channel: string; readonly at: number }
  | { readonly type: 'leg-failed'; readonly channel: string; readonly reason: LegFailure; readonly at: number }
  /** Asterisk accepted a request on the channel and never acted on it (a playback that did not start, a hangup that did not end it). */
  | { readonly type: 'stalled'; readonly channel: string; readonly what: string; readonly at: number };

/** A failure of the PBX to do what was asked, with a stable code. */
export class TelephonyError extends Error {
  constructor(
    readonly code: 'not-found' | 'not-in-stasis' | 'allocation-failed' | 'conflict' | 'timeout' | 'disconnected' | 'pbx-error',
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
