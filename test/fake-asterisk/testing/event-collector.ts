/**
 * An ARI event socket for tests: connects with `ws` like a client would, keeps every event and
 * lets a test wait for one.
 */
import { createRequire } from 'node:module';
import type { JsonObject } from '../model/types.js';

interface WsClient {
  on(event: 'message', cb: (data: string) => void): void;
  on(event: 'open' | 'close', cb: () => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(): void;
}
const requireCjs = createRequire(import.meta.url);
const WebSocket = requireCjs('ws') as new (url: string) => WsClient;

/** One event socket and the events it received. */
export class EventCollector {
  readonly events: JsonObject[] = [];
  closed = false;
  private ws: WsClient | null = null;

  /** Opens `/ari/events?app=...` with api_key credentials. */
  async connect(port: number, app: string, password: string, subscribeAll = false): Promise<void> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ari/events?app=${app}&api_key=router:${password}${subscribeAll ? '&subscribeAll=true' : ''}`);
    ws.on('message', (d) => this.events.push(JSON.parse(String(d)) as JsonObject));
    ws.on('close', () => (this.closed = true));
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => resolve());
      ws.on('error', reject);
    });
    this.ws = ws;
  }

  /** Waits for an event (already received or coming), at most `timeoutMs` of wall time. */
  async waitFor(pred: (e: JsonObject) => boolean, timeoutMs = 3000): Promise<JsonObject> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.find(pred);
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no matching event; got ${this.events.map((e) => String(e.type)).join(', ')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Waits for an event of a type about a channel. */
  waitForType(type: string, channelId?: string, timeoutMs?: number): Promise<JsonObject> {
    return this.waitFor((e) => e.type === type && (channelId === undefined || channelOf(e) === channelId), timeoutMs);
  }

  /** Types of the events about one channel, in order. */
  typesFor(channelId: string): string[] {
    return this.events.filter((e) => channelOf(e) === channelId).map((e) => String(e.type));
  }

  /** Closes the socket cleanly. */
  close(): void {
    this.ws?.close();
  }
}

/** The channel an event is about (`peer` for Dial). */
export function channelOf(e: JsonObject): string | undefined {
  const c = (e.type === 'Dial' ? e.peer : e.channel) as JsonObject | undefined;
  return c && typeof c.id === 'string' ? c.id : undefined;
}
