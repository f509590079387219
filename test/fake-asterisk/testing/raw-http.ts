/**
 * A tiny HTTP/1.1 client over one keep-alive TCP connection that keeps the response headers
 * exactly as sent (order and case). The transcripts were recorded that way (one connection per
 * flow), which matters for Asterisk's per-connection errno quirk (12).
 */
import { connect, type Socket } from 'node:net';

/** A response as received. */
export interface RawResponse {
  readonly status: number;
  readonly reason: string;
  /** `[name, value]` in wire order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** Request options. */
export interface RawRequestOptions {
  /** Extra request headers; `Host` is sent unless `noHost`. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly noHost?: boolean;
  /** Send no Authorization header. */
  readonly anonymous?: boolean;
}

/** HTTP over one keep-alive connection, headers kept verbatim. */
export class RawHttpClient {
  private socket: Socket | null = null;
  private buf: Buffer = Buffer.alloc(0);
  private waiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly port: number,
    private readonly auth?: { user: string; password: string },
  ) {}

  /** Sends one request on the shared connection (requests are serialised). */
  request(method: string, target: string, opts: RawRequestOptions = {}): Promise<RawResponse> {
    const run = this.queue.then(() => this.exchange(method, target, opts));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Closes the connection. */
  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private async exchange(method: string, target: string, opts: RawRequestOptions): Promise<RawResponse> {
    const sock = await this.ensure();
    const lines = [`${method} ${target} HTTP/1.1`];
    if (!opts.noHost) lines.push(`Host: 127.0.0.1:${this.port}`);
    if (this.auth && !opts.anonymous) lines.push(`Authorization: Basic ${Buffer.from(`${this.auth.user}:${this.auth.password}`).toString('base64')}`);
    for (const [k, v] of Object.entries(opts.headers ?? {})) lines.push(`${k}: ${v}`);
    const body = opts.body !== undefined ? Buffer.from(opts.body, 'utf8') : null;
    if (body) lines.push('Content-Type: application/json', `Content-Length: ${body.length}`);
    sock.write(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]));
    for (;;) {
      const parsed = this.parse(method);
      if (parsed) return parsed;
      if (sock.destroyed) throw new Error(`connection closed during ${method} ${target}`);
      await new Promise<void>((resolve, reject) => (this.waiter = { resolve, reject }));
    }
  }

  private ensure(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const s = connect(this.port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
      s.on('data', (d: Buffer) => {
        this.buf = Buffer.concat([this.buf, d]);
        const w = this.waiter;
        this.waiter = null;
        w?.resolve();
      });
      s.on('close', () => {
        if (this.socket === s) this.socket = null;
        const w = this.waiter;
        this.waiter = null;
        w?.reject(new Error('connection closed'));
      });
      this.socket = s;
      this.buf = Buffer.alloc(0);
    });
  }

  private parse(method: string): RawResponse | null {
    const end = this.buf.indexOf('\r\n\r\n');
    if (end < 0) return null;
    const lines = this.buf.subarray(0, end).toString('latin1').split('\r\n');
    const m = /^HTTP\/1\.1 (\d{3}) (.*)$/.exec(lines[0] ?? '');
    if (!m) throw new Error(`bad status line ${lines[0]}`);
    const headers = lines.slice(1).map((l) => {
      const i = l.indexOf(':');
      return [l.slice(0, i), l.slice(i + 1).trim()] as const;
    });
    const len = method === 'HEAD' ? 0 : Number(headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1] ?? '0');
    if (this.buf.length < end + 4 + len) return null;
    const body = Buffer.from(this.buf.subarray(end + 4, end + 4 + len));
    this.buf = Buffer.from(this.buf.subarray(end + 4 + len));
    if (headers.some(([k, v]) => k.toLowerCase() === 'connection' && v.toLowerCase() === 'close')) this.close();
    return { status: Number(m[1]), reason: m[2] ?? '', headers, body };
  }
}

/** The value of a header (case-insensitive name). */
export function header(res: RawResponse, name: string): string | undefined {
  return res.headers.find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
}
