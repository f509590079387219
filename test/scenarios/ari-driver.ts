/**
 * Drives a PBX through ARI's REST interface only, the way the scenario tests run against a real
 * Asterisk 22: callers are Local channels into `from-carrier` whose `;1` runs the shipped
 * `sim-caller` context (DIGITS after DTMF_DELAY, then HOLD seconds of silence prompts), agents
 * are `Local/<behaviour>-<agent>@sim-agent`. The same code runs against the fake Asterisk in CI.
 */
import { randomUUID } from 'node:crypto';

export interface AriTarget {
  readonly url: string;
  readonly user: string;
  readonly password: string;
}

export interface SimCall {
  /** The Local `;1` that plays the caller (runs sim-caller). */
  readonly callerLeg: string;
  /** The Local `;2` that enters Stasis(pbx-router,<did>): the call the engine sees. */
  readonly channel: string;
}

export interface SimCallOptions {
  /** The DID without or with a leading + (the dialplan strips it). */
  readonly did: string;
  readonly caller: string;
  /** Keys the caller presses, all at once, DTMF_DELAY seconds after the answer. */
  readonly digits?: string;
  readonly dtmfDelay?: number;
  /** Seconds the caller stays on the line after the keys (sim-hold). */
  readonly hold?: number;
}

/** A REST-only view of the PBX: place simulated callers, list what is left. */
export class AriDriver {
  private readonly auth: string;

  constructor(private readonly target: AriTarget) {
    this.auth = `Basic ${Buffer.from(`${target.user}:${target.password}`).toString('base64')}`;
  }

  private async rest<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.target.url.replace(/\/$/, '')}/ari${path}`, {
      method,
      headers: { Authorization: this.auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`ARI ${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Places an inbound call from a simulated caller (the lab's way: originate into from-carrier). */
  async placeCall(o: SimCallOptions): Promise<SimCall> {
    const id = `sim-${randomUUID().slice(0, 8)}`;
    const query = new URLSearchParams({
      endpoint: `Local/${o.did.replace(/^\+/, '')}@from-carrier`,
      context: 'sim-caller',
      extension: 's',
      priority: '1',
      callerId: `"Patient" <${o.caller}>`,
      channelId: id,
      otherChannelId: `${id};2`,
      timeout: '30',
    });
    await this.rest('POST', `/channels?${query}`, { variables: { DIGITS: o.digits ?? '', DTMF_DELAY: String(o.dtmfDelay ?? 3), HOLD: String(o.hold ?? 10) } });
    return { callerLeg: id, channel: `${id};2` };
  }

  /** Every channel Asterisk has now. */
  channels(): Promise<{ id: string; name: string; state: string }[]> {
    return this.rest('GET', '/channels');
  }

  /** One channel as Asterisk shows it, or null when it is gone. */
  async channel(id: string): Promise<{ id: string; state: string; dialplan: { context: string; exten: string; app_name: string } } | null> {
    return this.rest<{ id: string; state: string; dialplan: { context: string; exten: string; app_name: string } }>('GET', `/channels/${encodeURIComponent(id)}`).catch(() => null);
  }

  /** The ARI application as Asterisk shows it, or null when it is not registered. */
  application(name: string): Promise<{ name: string; channel_ids: string[] } | null> {
    return this.rest<{ name: string; channel_ids: string[] }>('GET', `/applications/${encodeURIComponent(name)}`).catch(() => null);
  }

  /** Every bridge Asterisk has now. */
  bridges(): Promise<{ id: string; bridge_type: string; channels: string[] }[]> {
    return this.rest('GET', '/bridges');
  }

  /** Hangs up a channel (cleanup after a failed test). */
  async hangup(id: string): Promise<void> {
    await this.rest('DELETE', `/channels/${encodeURIComponent(id)}`).catch(() => undefined);
  }
}

/** The real Asterisk to run against, when ASTERISK_ARI_URL and ASTERISK_ARI_PASSWORD are set. */
export function realAsteriskFromEnv(env: NodeJS.ProcessEnv = process.env): AriTarget | null {
  if (!env.ASTERISK_ARI_URL || !env.ASTERISK_ARI_PASSWORD) return null;
  return { url: env.ASTERISK_ARI_URL, user: env.ASTERISK_ARI_USER ?? 'router', password: env.ASTERISK_ARI_PASSWORD };
}
