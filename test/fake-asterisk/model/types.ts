/**
 * Shared types of the fake Asterisk model. Names follow ARI's JSON (snake_case fields stay as
 * Asterisk spells them, since snapshots are serialised key by key in Asterisk's order).
 */

/** A JSON value as Asterisk sends it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object; insertion order is the wire order. */
export type JsonObject = { [key: string]: Json };

/** ast_state2str() values that the fake produces. */
export type ChannelState = 'Down' | 'Rsrvd' | 'Ring' | 'Ringing' | 'Up' | 'Busy';

/** Caller id or connected line, as in the ARI CallerID model. */
export interface PartyId {
  name: string;
  number: string;
}

/** The channel's dialplan location (ARI DialplanCEP). */
export interface DialplanLocation {
  context: string;
  exten: string;
  priority: number;
  app_name: string;
  app_data: string;
}

/** Channel technologies the fake knows. */
export type ChannelTech = 'Local' | 'PJSIP' | 'Announcer';

/** What an event concerns; an application receives it if it is subscribed to any of these. */
export interface EventTopics {
  readonly channels?: readonly string[];
  readonly bridges?: readonly string[];
  readonly endpoint?: string;
  readonly device?: string;
  /** Endpoint state events are not sent to subscribeAll applications (14b). */
  readonly notForSubscribeAll?: boolean;
}

/** One entry of the fake's event log (what each application was sent, or missed). */
export interface EventLogEntry {
  /** Virtual milliseconds since the fake started. */
  readonly at: number;
  readonly app: string;
  readonly event: JsonObject;
  /** `lost`: the application had no connected socket (events are not replayed on reconnect). */
  readonly delivery: 'sent' | 'lost';
}

/** How REST answers and the events they cause are ordered on the wire (both occur on real Asterisk). */
export type EventOrder = 'events-first' | 'response-first';

/** Options of the fake (all optional). */
export interface FakeAsteriskOptions {
  /** ARI password of the user (default `router-secret`). */
  readonly password?: string;
  /** ARI user name (default `router`). */
  readonly user?: string;
  /** Time scale: 10 plays media and runs timers ten times faster; timestamps stay in Asterisk time. */
  readonly speed?: number;
  /** The `Server` header and the `<address>` of HTML errors (http.conf servername). */
  readonly serverName?: string;
  /** The `asterisk_id` (the system's entity id). */
  readonly asteriskId?: string;
  /** asterisk.conf `systemname`: Asterisk then prefixes every uniqueid with `<systemname>-` (a node of a cluster). */
  readonly systemName?: string;
  /** See EventOrder; default `events-first` (the harder case for a client). */
  readonly eventOrder?: EventOrder;
  /** Extra or overriding sound durations in ms, by name without `sound:`. */
  readonly sounds?: Readonly<Record<string, number>>;
  /** PJSIP desk phones (endpoint resources, all in context `phones`); default the lab's 1001-1006. */
  readonly phones?: readonly string[];
  /** Epoch ms at which the fake's clock starts (default: now). */
  readonly startTime?: number;
  /** Keep every event in eventLog() (default true; a load run turns it off to keep memory flat). */
  readonly logEvents?: boolean;
  /** Record, per Stasis channel, when StasisStart was emitted and the first REST command for it arrived (load runs). */
  readonly recordFirstCommands?: boolean;
}

/** When a channel's StasisStart was emitted and its first REST command arrived (performance.now() ms of the fake). */
export interface FirstCommandRecord {
  readonly channelId: string;
  readonly stasisStartAt: number;
  firstCommandAt: number | null;
  /** `POST channels/<id>/answer`. */
  command: string | null;
}
