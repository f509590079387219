/**
 * A transcript of what the engine and a real Asterisk said to each other, in the format of the
 * recorded transcripts (`../shared/asterisk/recorded-22.10.1/README.md`): a loopback HTTP proxy in
 * front of ARI logs every REST request the engine makes with Asterisk's exact answer, and a second
 * application subscribed to everything logs every event in the order it arrived. The engine's own
 * event socket passes through the proxy untouched.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';

export interface TranscriptLine {
  readonly t: number;
  readonly kind: 'rest' | 'event' | 'note';
  readonly [k: string]: unknown;
}

/** Records REST (through its proxy) and events (through a spy application) until stop(). */
export class AriRecorder {
  readonly lines: TranscriptLine[] = [];
  private server: Server | null = null;
  private spy: WebSocket | null = null;
  private readonly started = Date.now();
  /** The URL the engine should use as ASTERISK_ARI_URL. */
  url = '';

  constructor(
    private readonly target: { host: string; port: number },
    private readonly auth: { user: string; password: string },
  ) {}

  private t(): number {
    return Date.now() - this.started;
  }

  /** Starts the proxy and the spy. */
  async start(): Promise<void> {
    this.server = createServer((req, res) => this.forward(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket, head) => {
      // The engine's event socket: piped as bytes, not recorded here (the spy records the events).
      const upstream = connect(this.target.port, this.target.host, () => {
        upstream.write(`${req.method} ${req.url} HTTP/1.1\r\n${Object.entries(req.headers).map(([k, v]) => `${k}: ${String(v)}`).join('\r\n')}\r\n\r\n`);
        upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const key = encodeURIComponent(`${this.auth.user}:${this.auth.password}`);
    this.spy = new WebSocket(`ws://${this.target.host}:${this.target.port}/ari/events?app=transcript-spy&subscribeAll=true&api_key=${key}`);
    this.spy.on('message', (m: Buffer) => {
      const text = m.toString();
      try {
        const event = JSON.parse(text) as { application?: string };
        this.lines.push({ t: this.t(), kind: 'event', event });
      } catch {
        this.lines.push({ t: this.t(), kind: 'note', text: `unparsable frame: ${text.slice(0, 200)}` });
      }
    });
    await new Promise<void>((resolve, reject) => {
      this.spy!.once('open', () => resolve());
      this.spy!.once('error', reject);
    });
  }

  private forward(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const chunks: Buffer[] = [];
    const tSent = this.t();
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const up = request({ host: this.target.host, port: this.target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const out: Buffer[] = [];
        answer.on('data', (c: Buffer) => out.push(c));
        answer.on('end', () => {
          const response = Buffer.concat(out);
          const url = new URL(req.url ?? '/', 'http://ari');
          const text = response.toString('utf8');
          this.lines.push({
            t: this.t(),
            kind: 'rest',
            method: req.method,
            path: url.pathname,
            query: Object.fromEntries(url.searchParams),
            body: body.length ? body.toString('utf8') : null,
            status: answer.statusCode,
            response: /json/i.test(String(answer.headers['content-type'] ?? '')) ? text : text.length && !/audio/.test(String(answer.headers['content-type'] ?? '')) ? text : null,
            t_sent: tSent,
          });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(response);
        });
      });
      up.on('error', (e) => {
        res.writeHead(502).end(String(e));
      });
      up.end(body);
    });
  }

  /** Adds a note (what the test did). */
  note(text: string): void {
    this.lines.push({ t: this.t(), kind: 'note', text });
  }

  /** Writes the transcript as JSON lines (without the dialplan chatter of Local channels' other halves). */
  save(file: string): void {
    const chatter = new Set(['ChannelVarset', 'ChannelDialplan', 'DeviceStateChanged', 'ChannelCallerId', 'ChannelConnectedLine']);
    const kept = this.lines.filter((l) => {
      if (l.kind !== 'event') return true;
      const e = l.event as { type: string; channel?: { id?: string } };
      return !chatter.has(e.type) && !String(e.channel?.id ?? '').endsWith(';2');
    });
    writeFileSync(file, kept.map((l) => JSON.stringify(l)).join('\n') + '\n');
  }

  /** Stops the proxy and the spy. */
  async stop(): Promise<void> {
    this.spy?.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
