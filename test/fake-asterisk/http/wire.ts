/**
 * A minimal HTTP/1.1 server on `net`, so that every response byte is ours: Node's http module
 * always adds `Connection: keep-alive` / `Keep-Alive` and refuses requests without `Host`,
 * which Asterisk's server does not. Supports keep-alive, Content-Length and chunked bodies,
 * and hands `Upgrade` requests over with the raw socket.
 */
import type { Socket } from 'node:net';

/** A parsed request. */
export interface WireRequest {
  readonly method: string;
  /** Request target as sent (`/ari/channels?x=1`). */
  readonly url: string;
  readonly version: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** A response to write. */
export interface WireResponse {
  readonly status: number;
  readonly reason: string;
  /** Headers in wire order (name case as given). */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** Per-connection handlers. */
export interface WireHandlers {
  /** Answers one request; the connection waits for the returned promise before the next one. */
  request(req: WireRequest, conn: WireConnection): Promise<void>;
  /** Takes over the socket for an Upgrade request (the buffered bytes after the head are `head`). */
  upgrade(req: WireRequest, socket: Socket, head: Buffer, conn: WireConnection): void;
}

/** One client TCP connection: parses requests, writes responses. */
export class WireConnection {
  private buf: Buffer = Buffer.alloc(0);
  private busy = false;
  private closed = false;
  /** Asterisk keeps a per-HTTP-thread channel errno (see the originate duplicate-id quirk). */
  staleIdError = false;

  constructor(
    readonly socket: Socket,
    private readonly handlers: WireHandlers,
  ) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      void this.pump();
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => socket.destroy());
  }

  /** Goes back to HTTP after a refused Upgrade (401/400 answered on this connection). */
  resume(head: Buffer): void {
    this.buf = head;
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      void this.pump();
    });
    void this.pump();
  }

  /** Writes a response; resolves once it is flushed to the socket. */
  write(res: WireResponse, close: boolean): Promise<void> {
    if (this.closed) return Promise.resolve();
    const head = [`HTTP/1.1 ${res.status} ${res.reason}`, ...res.headers.map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
    return new Promise((resolve) => {
      this.socket.write(Buffer.concat([Buffer.from(head, 'latin1'), res.body]), () => {
        if (close) this.socket.end();
        resolve();
      });
    });
  }

  private async pump(): Promise<void> {
    if (this.busy || this.closed) return;
    this.busy = true;
    try {
      for (;;) {
        const parsed = this.parse();
        if (parsed === 'incomplete') return;
        if (parsed === 'bad') {
          this.socket.destroy();
          return;
        }
        const { req, rest } = parsed;
        if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket' && req.method === 'GET' && /^\/ari\/events(\?|$)/.test(req.url)) {
          this.socket.removeAllListeners('data');
          this.buf = Buffer.alloc(0);
          this.handlers.upgrade(req, this.socket, rest, this);
          return;
        }
        this.buf = rest;
        await this.handlers.request(req, this);
        if (this.closed) return;
      }
    } finally {
      this.busy = false;
    }
  }

  private parse(): { req: WireRequest; rest: Buffer } | 'incomplete' | 'bad' {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return this.buf.length > 65536 ? 'bad' : 'incomplete';
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? '');
    if (!m) return 'bad';
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) return 'bad';
      const k = line.slice(0, i).trim().toLowerCase();
      const v = line.slice(i + 1).trim();
      headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
    }
    let rest: Buffer = this.buf.subarray(end + 4);
    let body: Buffer = Buffer.alloc(0);
    if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) {
      const chunks: Buffer[] = [];
      for (;;) {
        const le = rest.indexOf('\r\n');
        if (le < 0) return 'incomplete';
        const size = parseInt(rest.subarray(0, le).toString('latin1'), 16);
        if (Number.isNaN(size)) return 'bad';
        if (rest.length < le + 2 + size + 2) return 'incomplete';
        if (size === 0) {
          rest = rest.subarray(le + 4);
          break;
        }
        chunks.push(rest.subarray(le + 2, le + 2 + size));
        rest = rest.subarray(le + 2 + size + 2);
      }
      body = Buffer.concat(chunks);
    } else {
      const len = Number(headers['content-length'] ?? '0');
      if (!Number.isFinite(len) || len < 0) return 'bad';
      if (rest.length < len) return 'incomplete';
      body = rest.subarray(0, len);
      rest = rest.subarray(len);
    }
    return { req: { method: m[1] ?? '', url: m[2] ?? '', version: m[3] ?? '', headers, body }, rest: Buffer.from(rest) };
  }
}

/** True when the connection must close after this request (HTTP/1.0 or `Connection: close`). */
export function wantsClose(req: WireRequest): boolean {
  const c = (req.headers.connection ?? '').toLowerCase();
  if (c.includes('close')) return true;
  return req.version === 'HTTP/1.0' && !c.includes('keep-alive');
}
