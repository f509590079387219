/**
 * Builders of ARI events with Asterisk's key order, byte for byte as in the transcripts.
 * `asterisk_id` and `application` are appended on delivery (app_send, then the websocket
 * session), so every builder stops before them; where Asterisk already puts `application`
 * earlier (DeviceStateChanged, ApplicationReplaced) the builder reserves its place.
 */
import type { FakeBridge } from './bridge.js';
import type { FakeChannel } from './channel.js';
import { causeText } from './causes.js';
import type { EventTopics, Json, JsonObject } from './types.js';

/** An event and the topics that decide who receives it. */
export interface BuiltEvent {
  readonly event: JsonObject;
  readonly topics: EventTopics;
}

/** A channel's events also reach apps subscribed to its endpoint (`endpoint:PJSIP/1001`, 14). */
const on = (ch: FakeChannel): EventTopics => (ch.endpoint ? { channels: [ch.id], endpoint: ch.endpoint } : { channels: [ch.id] });

/** StasisStart: `args` before `channel`. */
export function stasisStart(ts: string, ch: FakeChannel): BuiltEvent {
  return { event: { type: 'StasisStart', timestamp: ts, args: [...ch.stasisArgs], channel: ch.snapshot() }, topics: on(ch) };
}

/** Events whose only field is the channel (StasisEnd, ChannelStateChange, ChannelCreated, ChannelConnectedLine). */
export function channelOnly(type: 'StasisEnd' | 'ChannelStateChange' | 'ChannelCreated' | 'ChannelConnectedLine', ts: string, ch: FakeChannel): BuiltEvent {
  return { event: { type, timestamp: ts, channel: ch.snapshot() }, topics: on(ch) };
}

/**
 * ChannelHangupRequest: `cause` and `soft` come before `type`. Either may be absent: a SIP BYE
 * gives neither, a Local peer hanging up gives only `cause`.
 */
export function hangupRequest(ts: string, ch: FakeChannel, cause?: number, soft?: boolean): BuiltEvent {
  const event: JsonObject = {};
  if (cause !== undefined) event.cause = cause;
  if (soft) event.soft = true;
  Object.assign(event, { type: 'ChannelHangupRequest', timestamp: ts, channel: ch.snapshot() });
  return { event, topics: on(ch) };
}

/** ChannelDestroyed with Asterisk's cause text. */
export function channelDestroyed(ts: string, ch: FakeChannel, cause: number): BuiltEvent {
  return { event: { type: 'ChannelDestroyed', timestamp: ts, cause, cause_txt: causeText(cause), channel: ch.snapshot() }, topics: on(ch) };
}

/** ChannelVarset: `variable` and `value` come before `type`. */
export function varset(ts: string, ch: FakeChannel, variable: string, value: string): BuiltEvent {
  return { event: { variable, value, type: 'ChannelVarset', timestamp: ts, channel: ch.snapshot() }, topics: on(ch) };
}

/** ChannelDialplan for the application the channel now runs. */
export function dialplanEvent(ts: string, ch: FakeChannel): BuiltEvent {
  return {
    event: { type: 'ChannelDialplan', timestamp: ts, dialplan_app: ch.dialplan.app_name, dialplan_app_data: ch.dialplan.app_data, channel: ch.snapshot() },
    topics: on(ch),
  };
}

/** ChannelCallerId (presentation 0: allowed, not screened). */
export function callerIdEvent(ts: string, ch: FakeChannel): BuiltEvent {
  return {
    event: { type: 'ChannelCallerId', timestamp: ts, caller_presentation: 0, caller_presentation_txt: 'Presentation Allowed, Not Screened', channel: ch.snapshot() },
    topics: on(ch),
  };
}

/** ChannelDtmfReceived (duration 100 ms from SendDTMF, about 280 ms from RFC 4733 phones). */
export function dtmfEvent(ts: string, ch: FakeChannel, digit: string, durationMs: number): BuiltEvent {
  return { event: { type: 'ChannelDtmfReceived', timestamp: ts, digit, duration_ms: durationMs, channel: ch.snapshot() }, topics: on(ch) };
}

/** Dial for an originated leg: `peer` only, no `caller` (originate has no calling channel). */
export function dialEvent(ts: string, peer: FakeChannel, dialstatus: string, dialstring: string): BuiltEvent {
  return { event: { type: 'Dial', timestamp: ts, dialstatus, forward: '', dialstring, peer: peer.snapshot() }, topics: on(peer) };
}

/** ChannelEnteredBridge / ChannelLeftBridge. */
export function bridgeChannelEvent(type: 'ChannelEnteredBridge' | 'ChannelLeftBridge', ts: string, bridge: FakeBridge, ch: FakeChannel): BuiltEvent {
  return { event: { type, timestamp: ts, bridge: bridge.snapshot(), channel: ch.snapshot() }, topics: { ...on(ch), bridges: [bridge.id] } };
}

/** BridgeDestroyed (never a BridgeCreated: Asterisk sends none to a Stasis app). */
export function bridgeDestroyed(ts: string, bridge: FakeBridge): BuiltEvent {
  return { event: { type: 'BridgeDestroyed', timestamp: ts, bridge: bridge.snapshot() }, topics: { bridges: [bridge.id] } };
}

/** Playback and recording events are routed like their target's events. */
export function targetTopics(targetUri: string): EventTopics {
  const [kind, id = ''] = splitOnce(targetUri, ':');
  return kind === 'bridge' ? { bridges: [id] } : { channels: [id] };
}

/** PlaybackStarted / PlaybackContinuing / PlaybackFinished. */
export function playbackEvent(type: 'PlaybackStarted' | 'PlaybackContinuing' | 'PlaybackFinished', ts: string, playback: JsonObject): BuiltEvent {
  return { event: { type, timestamp: ts, playback }, topics: targetTopics(String(playback.target_uri)) };
}

/** RecordingStarted / RecordingFinished / RecordingFailed. */
export function recordingEvent(type: 'RecordingStarted' | 'RecordingFinished' | 'RecordingFailed', ts: string, recording: JsonObject): BuiltEvent {
  return { event: { type, timestamp: ts, recording }, topics: targetTopics(String(recording.target_uri)) };
}

/** DeviceStateChanged: Asterisk puts `application` second. */
export function deviceStateChanged(ts: string, name: string, state: string): BuiltEvent {
  return { event: { type: 'DeviceStateChanged', application: '', timestamp: ts, device_state: { name, state } }, topics: { device: name } };
}

/** EndpointStateChange (not delivered to subscribeAll apps, see 14b). */
export function endpointStateChange(ts: string, endpoint: JsonObject): BuiltEvent {
  const name = `${String(endpoint.technology)}/${String(endpoint.resource)}`;
  return { event: { type: 'EndpointStateChange', timestamp: ts, endpoint }, topics: { endpoint: name, notForSubscribeAll: true } };
}

/** PeerStatusChange / ContactStatusChange of a PJSIP endpoint. */
export function endpointDetailEvent(type: 'PeerStatusChange' | 'ContactStatusChange', ts: string, endpoint: JsonObject, key: 'peer' | 'contact_info', detail: Json): BuiltEvent {
  const name = `${String(endpoint.technology)}/${String(endpoint.resource)}`;
  return { event: { type, timestamp: ts, endpoint, [key]: detail }, topics: { endpoint: name } };
}

/** ApplicationReplaced, sent to the socket that loses the application. */
export function applicationReplaced(ts: string, app: string): JsonObject {
  return { type: 'ApplicationReplaced', timestamp: ts, application: app };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}
