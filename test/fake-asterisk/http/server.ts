/**
 * The HTTP front of the fake (res_ari.c + http.c): authentication, trailing slashes, api-docs,
 * routing, response headers, the event websocket, and the order of REST answers and events.
 *
 * Header facts (all_headers in the transcripts): `Server`, `Date`, (`Connection: close` only
 * when closing), `Cache-Control: no-cache, no-store`, then `Location`/`Allow`/`WWW-Authenticate`,
 * `Content-type: application/json` (lower-case t) and `Content-Length`; a 204 has no type.
 * Authentication comes first, even for api-docs and the websocket upgrade.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { apiDoc } from '../api-docs/index.js';
import type { EventOrder, Json } from '../model/types.js';
import { error, type FakeEnv, type RestRequest, type RestResult } from './rest.js';
import { Router } from './router.js';
import { WireConnection, wantsClose, type WireRequest, type WireResponse } from './wire.js';
import { EventSockets } from './event-sockets.js';

/** Server settings. */
export interface ServerSettings {
  readonly user: string;
  readonly password: string;
  readonly serverName: string;
  readonly eventOrder: EventOrder;
}

/**
 * A fault a test injects (not something Asterisk does by itself): the next `remaining` requests
 * whose `METHOD /ari/path?query body` matches are not carried out, and instead get no answer at all
 * (`timeout`: a hung Asterisk), an HTTP 500 (`error`), or a closed socket (`drop`).
 */
export interface InjectedFault {
  readonly method?: string;
  readonly match: RegExp;
  readonly mode: 'timeout' | 'error' | 'drop';
  remaining: number;
  hits: number;
}

/** The listening socket and the request pipeline. */
export class FakeAriServer {
  /** Faults injected by tests (FakeAsterisk.injectFault). */
  readonly faults: InjectedFault[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  readonly events: EventSockets;

  constructor(
    private readonly env: FakeEnv,
    private readonly router: Router,
    private readonly settings: ServerSettings,
  ) {
    this.events = new EventSockets(env.pbx.apps);
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      new WireConnection(socket, {
        request: (req, conn) => this.handle(req, conn),
        upgrade: (req, sock, head, conn) => this.upgrade(req, sock, head, conn),
      });
    });
  }

  /** Listens on 127.0.0.1 on a random port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
  }

  /** Closes every connection and the listener. */
  close(): Promise<void> {
    this.events.closeAll();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: WireRequest, conn: WireConnection): Promise<void> {
    const close = wantsClose(req);
    const { path, params } = parseTarget(req.url);
    if (!path.startsWith('/ari/')) return conn.write(this.html(404, 'Not Found', 'The requested URL was not found on this server.', close), close);
    const uri = path.slice(5);
    const body = parseBody(req, params);
    if (body === 'bad') return conn.write(this.wire(error(400, 'Bad Request', 'Error parsing request body'), close), close);
    if (!this.authenticated(req, params)) return conn.write(this.wire(unauthorized(), close), close);
    const fault = this.faults.length ? this.takeFault(req) : undefined;
    if (fault === 'drop') return void conn.socket.destroy();
    if (fault === 'timeout') return;
    if (fault === 'error') return conn.write(this.wire(error(500, 'Internal Server Error', 'Internal Server Error'), close), close);
    const apps = this.env.pbx.apps;
    apps.hold();
    let result: RestResult;
    try {
      result = this.route(req, uri, params, body, conn);
    } catch (e) {
      result = error(500, 'Internal Server Error', `fake asterisk: ${(e as Error).message}`);
    }
    const response = result.status === 426 ? this.html(426, 'Upgrade Required', '', close) : this.wire(result, close);
    // Events caused by the request stay held until their turn, so that a timer firing meanwhile
    // cannot overtake them on the websocket.
    if (this.settings.eventOrder === 'events-first') {
      await this.events.sendHeld(apps.release());
      await conn.write(response, close);
    } else {
      await conn.write(response, close);
      await this.events.sendHeld(apps.release());
    }
  }

  private takeFault(req: WireRequest): InjectedFault['mode'] | undefined {
    const text = `${req.method} ${req.url} ${req.body.toString('utf8')}`;
    const f = this.faults.find((x) => x.remaining > 0 && (!x.method || x.method === req.method) && x.match.test(text));
    if (!f) return undefined;
    f.remaining--;
    f.hits++;
    return f.mode;
  }

  private route(req: WireRequest, uri: string, params: Map<string, string[]>, body: Json, conn: WireConnection): RestResult {
    if (uri.endsWith('/')) return error(404, 'Not Found', `ARI URLs do not end with a slash. Try /ari/${uri.slice(0, -1)}`);
    if (uri.startsWith('api-docs/')) {
      if (req.method !== 'GET') return error(405, 'Method Not Allowed', 'Unsupported method');
      const doc = apiDoc(uri.slice('api-docs/'.length), req.headers.host);
      return doc ? { status: 200, reason: 'OK', body: doc } : error(404, 'Not Found', 'Resource not found');
    }
    if (uri === 'events' && req.method === 'GET') return { status: 426, reason: 'Upgrade Required' };
    const m = this.router.match(req.method, uri);
    if (m.kind === 'error') return m.result;
    if (this.env.pbx.options.recordFirstCommands) {
      const at = performance.now();
      for (const id of [m.pathVars.channelId, ...(params.get('channel') ?? [])]) if (id) this.env.pbx.noteCommand(id, `${req.method} ${uri}`, at);
    }
    const rest: RestRequest = { method: req.method, pathVars: m.pathVars, params, body, conn };
    return m.handler(rest);
  }

  /** Asterisk time (epoch ms) until which event-socket upgrades are reset, as in a network cut. */
  socketsRefusedUntil = 0;

  private upgrade(req: WireRequest, socket: Socket, head: Buffer, conn: WireConnection): void {
    if (this.env.pbx.clock.now() < this.socketsRefusedUntil) {
      socket.destroy();
      return;
    }
    const { params } = parseTarget(req.url);
    if (!this.authenticated(req, params)) {
      void conn.write(this.wire(unauthorized(), false), false).then(() => conn.resume(head));
      return;
    }
    const app = (params.get('app') ?? []).join(',');
    if (!app) {
      void conn.write(this.html(400, 'Bad Request', 'HTTP request is missing param: [app]', false), false).then(() => conn.resume(head));
      return;
    }
    const subscribeAll = ['yes', 'true', 'y', 't', '1', 'on'].includes((params.get('subscribeAll')?.at(-1) ?? '').toLowerCase());
    this.events.accept(req, socket, head, app.split(',').map((a) => a.trim()).filter(Boolean), subscribeAll);
  }

  private authenticated(req: WireRequest, params: Map<string, string[]>): boolean {
    let cred: string | undefined;
    const h = req.headers.authorization;
    if (h && /^basic /i.test(h)) cred = Buffer.from(h.slice(6).trim(), 'base64').toString('utf8');
    else cred = params.get('api_key')?.[0];
    if (!cred) return false;
    const i = cred.indexOf(':');
    return i > 0 && cred.slice(0, i) === this.settings.user && cred.slice(i + 1) === this.settings.password;
  }

  private base(close: boolean): [string, string][] {
    const h: [string, string][] = [['Server', this.settings.serverName], ['Date', this.env.pbx.clock.httpDate()]];
    if (close) h.push(['Connection', 'close']);
    h.push(['Cache-Control', 'no-cache, no-store']);
    return h;
  }

  private wire(r: RestResult, close: boolean): WireResponse {
    const headers = [...this.base(close), ...(r.headers ?? [])];
    let body: Buffer = Buffer.alloc(0);
    if (r.raw) {
      headers.push(['Content-Type', r.raw.contentType]);
      body = r.raw.data;
    } else if (r.body !== undefined) {
      headers.push(['Content-type', 'application/json']);
      body = Buffer.from(JSON.stringify(r.body), 'utf8');
    }
    headers.push(['Content-Length', String(body.length)]);
    return { status: r.status, reason: r.reason, headers, body };
  }

  /** ast_http_error(): Asterisk's HTML error page. */
  private html(status: number, title: string, text: string, close: boolean): WireResponse {
    const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const address = this.settings.serverName ? `<address>${esc(this.settings.serverName)}</address>\r\n` : '';
    const body = Buffer.from(
      `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\r\n<html><head>\r\n<title>${status} ${title}</title>\r\n</head><body>\r\n<h1>${title}</h1>\r\n<p>${esc(text)}</p>\r\n<hr />\r\n${address}</body></html>\r\n`,
      'utf8',
    );
    const headers = [...this.base(close), ['Content-type', 'text/html'] as [string, string], ['Content-Length', String(body.length)] as [string, string]];
    return { status, reason: title, headers, body };
  }
}

function unauthorized(): RestResult {
  return { ...error(401, 'Unauthorized', 'Authentication required'), headers: [['WWW-Authenticate', 'Basic realm="Asterisk REST Interface"']] };
}

/** Path and query parameters (repeated parameters keep every value). */
function parseTarget(url: string): { path: string; params: Map<string, string[]> } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const params = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(q < 0 ? '' : url.slice(q + 1))) params.set(k, [...(params.get(k) ?? []), v]);
  return { path, params };
}

/** The JSON body (its scalar fields also act as parameters, as Asterisk's *_parse_body do). */
function parseBody(req: WireRequest, params: Map<string, string[]>): Json | 'bad' {
  if (req.body.length === 0) return null;
  const type = (req.headers['content-type'] ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(req.body.toString('utf8'))) params.set(k, [...(params.get(k) ?? []), v]);
    return null;
  }
  let body: Json;
  try {
    body = JSON.parse(req.body.toString('utf8')) as Json;
  } catch {
    return 'bad';
  }
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) {
      if (k !== 'variables' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) params.set(k, [String(v)]);
    }
  }
  return body;
}
