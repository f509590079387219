/**
 * The `/ari/events` websockets (with the `ws` package already installed for ari-client).
 * The 101 answer carries only Upgrade, Connection and Sec-WebSocket-Accept, as Asterisk's
 * (no permessage-deflate). Every socket is an AppSession of the apps it named.
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import type { AppSession, FakeApps } from '../model/apps.js';
import type { WireRequest } from './wire.js';

/** The parts of a `ws` 6 WebSocket the fake uses. */
interface WsSocket {
  send(data: string, cb?: (err?: Error) => void): void;
  on(event: 'close', cb: () => void): void;
  terminate(): void;
  readonly readyState: number;
}

/** The parts of a `ws` 6 WebSocketServer the fake uses. */
interface WsServer {
  handleUpgrade(req: object, socket: Socket, head: Buffer, cb: (ws: WsSocket) => void): void;
}

type WsServerCtor = new (opts: { noServer: true; perMessageDeflate: false; clientTracking: false }) => WsServer;

const requireCjs = createRequire(import.meta.url);
const WebSocketServer = (requireCjs('ws') as { Server: WsServerCtor }).Server;

interface Session extends AppSession {
  readonly apps: readonly string[];
  readonly ws: WsSocket;
  readonly socket: Socket;
}

/** The open event websockets. */
export class EventSockets {
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  private readonly sessions = new Set<Session>();
  private nextId = 1;

  constructor(private readonly apps: FakeApps) {}

  /** Completes the upgrade and registers the apps on the new socket. */
  accept(req: WireRequest, socket: Socket, head: Buffer, appNames: readonly string[], subscribeAll: boolean): void {
    const fakeReq = { method: req.method, url: req.url, headers: req.headers, connection: socket };
    this.wss.handleUpgrade(fakeReq, socket, head, (ws) => {
      const session: Session = {
        id: this.nextId++,
        apps: appNames,
        ws,
        socket,
        send: (text, done) => {
          if (ws.readyState !== 1) return done?.();
          ws.send(text, () => done?.());
        },
      };
      this.sessions.add(session);
      this.apps.register(appNames, session, subscribeAll);
      ws.on('close', () => {
        this.sessions.delete(session);
        this.apps.sessionClosed(session);
      });
    });
  }

  /** Sends events held during a REST request, in order; resolves once written. */
  async sendHeld(held: readonly { session: AppSession; text: string }[]): Promise<void> {
    await Promise.all(held.map((h) => new Promise<void>((resolve) => h.session.send(h.text, resolve))));
  }

  /** Destroys the TCP socket of the app's websocket without a close frame; false if none. */
  drop(app: string): boolean {
    const victims = [...this.sessions].filter((s) => s.apps.includes(app));
    for (const s of victims) s.socket.destroy();
    return victims.length > 0;
  }

  /** Number of open sockets for an app. */
  count(app: string): number {
    return [...this.sessions].filter((s) => s.apps.includes(app)).length;
  }

  /** Terminates every socket (on stop). */
  closeAll(): void {
    for (const s of this.sessions) s.ws.terminate();
    this.sessions.clear();
  }
}
