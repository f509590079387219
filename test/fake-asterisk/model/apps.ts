/**
 * Stasis applications: registration by websocket, subscriptions, and event delivery.
 *
 * Asterisk facts modelled here:
 * - An app is registered when a websocket names it and deactivated when that socket closes; it
 *   stays in the registry (GET /applications, `ari show apps`) while it still has subscriptions
 *   ("forwards"), and is removed once it has none (16).
 * - Events are sent only to the active socket; what happens while no socket is connected is
 *   lost and never replayed (13).
 * - A second socket for the same app takes it over; the old socket gets ApplicationReplaced.
 * - Bridge subscriptions are reference counted (`ari show app` printed `(2)` in 13).
 */
import type { FakeClock } from './clock.js';
import { applicationReplaced, type BuiltEvent } from './events.js';
import type { EventLogEntry, JsonObject } from './types.js';

/** The websocket side of an application (one per connected socket). */
export interface AppSession {
  readonly id: number;
  /** Sends one text frame; `done` runs once it is written to the socket. */
  send(text: string, done?: () => void): void;
}

/** Why an app is subscribed to a channel. */
export type ChannelSubReason = 'stasis' | 'originate' | 'explicit';

/** One registered application, its socket and subscriptions. */
export class AppState {
  session: AppSession | null = null;
  subscribeAll = false;
  readonly channelSubs = new Map<string, Set<ChannelSubReason>>();
  readonly bridgeSubs = new Map<string, number>();
  readonly endpointSubs = new Map<string, number>();
  readonly deviceSubs = new Set<string>();

  constructor(readonly name: string) {}

  /** True when the app receives an event with these topics. */
  wants(b: BuiltEvent): boolean {
    const t = b.topics;
    if (this.subscribeAll) return !t.notForSubscribeAll;
    if (t.channels?.some((c) => this.channelSubs.has(c))) return true;
    if (t.bridges?.some((id) => this.bridgeSubs.has(id))) return true;
    if (t.endpoint && this.endpointSubs.has(t.endpoint)) return true;
    return !!t.device && this.deviceSubs.has(t.device);
  }

  /** True when nothing keeps the app in the registry. */
  finished(): boolean {
    return !this.session && this.channelSubs.size === 0 && this.bridgeSubs.size === 0 && this.endpointSubs.size === 0 && this.deviceSubs.size === 0;
  }

  /** ARI Application JSON (a subscribeAll app lists Asterisk's "all" topics, 14b). */
  toJson(): JsonObject {
    const all = (topic: string) => (this.subscribeAll ? [topic] : []);
    return {
      name: this.name,
      channel_ids: [...all('__AST_CHANNEL_ALL_TOPIC'), ...this.channelSubs.keys()],
      bridge_ids: [...all('__AST_BRIDGE_ALL_TOPIC'), ...this.bridgeSubs.keys()],
      endpoint_ids: [...all('__AST_ENDPOINT_ALL_TOPIC'), ...this.endpointSubs.keys()],
      device_names: [...all('__AST_DEVICE_STATE_ALL_TOPIC'), ...this.deviceSubs],
      events_allowed: [],
      events_disallowed: [],
    };
  }
}

/** The application registry and event delivery. */
export class FakeApps {
  private readonly apps = new Map<string, AppState>();
  private holds = 0;
  private pending: { session: AppSession; text: string }[] = [];

  constructor(
    private readonly clock: FakeClock,
    private readonly asteriskId: string,
    /** null: events are not kept (logEvents: false). */
    private readonly log: EventLogEntry[] | null,
  ) {}

  /** Registers the apps of a new socket; a previous socket of the same app gets ApplicationReplaced. */
  register(names: readonly string[], session: AppSession, subscribeAll: boolean): void {
    for (const name of names) {
      const app = this.apps.get(name) ?? new AppState(name);
      this.apps.set(name, app);
      if (app.session && app.session !== session) this.deliver(app, applicationReplaced(this.clock.timestamp(), name));
      app.session = session;
      app.subscribeAll = subscribeAll;
    }
  }

  /** The socket closed (cleanly or not): its apps are deactivated, and removed when finished. */
  sessionClosed(session: AppSession): void {
    for (const app of this.apps.values()) if (app.session === session) app.session = null;
    this.cleanup();
  }

  /** The app if it is in the registry (active or not). */
  get(name: string): AppState | undefined {
    return this.apps.get(name);
  }

  /** All registered apps in registration order. */
  all(): AppState[] {
    return [...this.apps.values()];
  }

  /** Sends an event to every app that is subscribed to one of its topics. */
  emit(b: BuiltEvent): void {
    for (const app of this.apps.values()) if (app.wants(b)) this.deliver(app, { ...b.event });
  }

  /** Holds deliveries (while a REST request is being answered). */
  hold(): void {
    this.holds++;
  }

  /** Ends a hold; returns what was held, to be sent by the caller in order. */
  release(): { session: AppSession; text: string }[] {
    this.holds = Math.max(0, this.holds - 1);
    if (this.holds > 0) return [];
    const out = this.pending;
    this.pending = [];
    return out;
  }

  /** Adds a channel subscription. */
  subscribeChannel(appName: string, channelId: string, reason: ChannelSubReason): void {
    const app = this.apps.get(appName);
    if (!app) return;
    const reasons = app.channelSubs.get(channelId) ?? new Set<ChannelSubReason>();
    reasons.add(reason);
    app.channelSubs.set(channelId, reasons);
  }

  /** Removes one reason of a channel subscription. */
  unsubscribeChannel(appName: string, channelId: string, reason: ChannelSubReason): void {
    const app = this.apps.get(appName);
    const reasons = app?.channelSubs.get(channelId);
    if (!app || !reasons) return;
    reasons.delete(reason);
    if (reasons.size === 0) app.channelSubs.delete(channelId);
    this.cleanup();
  }

  /** The channel is gone: every subscription to it ends. */
  dropChannel(channelId: string): void {
    for (const app of this.apps.values()) app.channelSubs.delete(channelId);
    this.cleanup();
  }

  /** Adds `n` references to a bridge subscription. */
  subscribeBridge(appName: string, bridgeId: string, n = 1): void {
    const app = this.apps.get(appName);
    if (app) app.bridgeSubs.set(bridgeId, (app.bridgeSubs.get(bridgeId) ?? 0) + n);
  }

  /** Removes `n` references of a bridge subscription. */
  unsubscribeBridge(appName: string, bridgeId: string, n = 1): void {
    const app = this.apps.get(appName);
    const count = app?.bridgeSubs.get(bridgeId);
    if (!app || count === undefined) return;
    if (count - n > 0) app.bridgeSubs.set(bridgeId, count - n);
    else app.bridgeSubs.delete(bridgeId);
    this.cleanup();
  }

  /** The bridge is gone: every subscription to it ends. */
  dropBridge(bridgeId: string): void {
    for (const app of this.apps.values()) app.bridgeSubs.delete(bridgeId);
    this.cleanup();
  }

  /** Removes apps that have no socket and no subscription. */
  cleanup(): void {
    for (const [name, app] of this.apps) if (app.finished()) this.apps.delete(name);
  }

  private deliver(app: AppState, event: JsonObject): void {
    // app_send appends asterisk_id; the websocket session then sets application (in place if present).
    if (!('asterisk_id' in event)) event.asterisk_id = this.asteriskId;
    event.application = app.name;
    const session = app.session;
    this.log?.push({ at: this.clock.elapsed(), app: app.name, event, delivery: session ? 'sent' : 'lost' });
    if (!session) return;
    const text = JSON.stringify(event);
    if (this.holds > 0) this.pending.push({ session, text });
    else session.send(text);
  }
}
