/**
 * A fake SMS provider: a real HTTP server on loopback that behaves like a Twilio-style Messages
 * API or a JSON webhook. It checks the credentials (401), validates the body like a provider
 * (400 with an error body for a missing or malformed To), honours an idempotency key (a repeat
 * of an accepted key gets the same answer and no second message), and can be told what to answer
 * next: a 429 with Retry-After, a 5xx, or a slow answer (the message is accepted, the answer comes
 * too late). Tests check its end state: the messages it accepted and the requests it saw.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSmsMessage {
  readonly sid: string;
  /** The path it was posted to (a Twilio-style provider has the account in it). */
  readonly path: string;
  readonly to: string;
  readonly from: string;
  readonly body: string;
  readonly idempotencyKey: string | null;
}

export interface FakeSmsRequest {
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly fields: Readonly<Record<string, unknown>>;
  /** What the fake answered (0: the client gave up before the answer). */
  status: number;
}

/** What to do with the next request instead of the normal handling. */
export type FakeSmsStep =
  | { readonly kind: 'rate-limit'; readonly retryAfter?: string }
  | { readonly kind: 'server-error'; readonly status?: number; readonly body?: string }
  | { readonly kind: 'refuse'; readonly status: number; readonly body: unknown }
  /** The message is accepted at once, the answer is sent after `ms`. */
  | { readonly kind: 'slow'; readonly ms: number }
  | { readonly kind: 'redirect'; readonly location: string };

export interface FakeSmsOptions {
  /** Field names: Twilio form (To, From, Body) or a JSON webhook (to, from, text). */
  readonly style: 'twilio' | 'json';
  readonly auth: { readonly basic: { readonly user: string; readonly password: string } } | { readonly bearer: string } | null;
  /** The header the fake reads the idempotency key from (null: it has none). */
  readonly idempotencyHeader?: string | null;
}

export interface FakeSmsProvider {
  readonly url: string;
  readonly messages: FakeSmsMessage[];
  readonly requests: FakeSmsRequest[];
  /** Queues what the next requests get, in order. */
  script(...steps: FakeSmsStep[]): void;
  close(): Promise<void>;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;

/** Starts the fake on 127.0.0.1 (any free port). */
export async function startFakeSmsProvider(o: FakeSmsOptions): Promise<FakeSmsProvider> {
  const messages: FakeSmsMessage[] = [];
  const requests: FakeSmsRequest[] = [];
  const steps: FakeSmsStep[] = [];
  const answered = new Map<string, { status: number; body: string }>();
  const keyHeader = o.idempotencyHeader === undefined ? 'idempotency-key' : o.idempotencyHeader?.toLowerCase() ?? null;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readBody(req);
    const fields = parseFields(raw, req.headers['content-type'] ?? '');
    const seen: FakeSmsRequest = { path: req.url ?? '', headers: req.headers, fields, status: 0 };
    requests.push(seen);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      seen.status = status;
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'POST') return send(405, { message: 'Method not allowed' });
    if (!authorized(req.headers.authorization, o.auth)) return send(401, { code: 20003, message: 'Authenticate', status: 401 });
    const key = keyHeader ? ((req.headers[keyHeader] as string | undefined) ?? null) : null;
    const step = steps.shift();
    if (step?.kind === 'rate-limit') return send(429, { code: 20429, message: 'Too Many Requests', status: 429 }, step.retryAfter ? { 'retry-after': step.retryAfter } : {});
    if (step?.kind === 'server-error') return send(step.status ?? 503, step.body ?? { message: 'Service Unavailable' });
    if (step?.kind === 'refuse') return send(step.status, step.body);
    if (step?.kind === 'redirect') return send(301, '', { location: step.location });
    const previous = key ? answered.get(key) : undefined;
    if (previous) return send(previous.status, previous.body);
    const [to, from, body] = o.style === 'twilio' ? [fields.To, fields.From, fields.Body] : [fields.to, fields.from, fields.text];
    if (typeof to !== 'string' || to === '') return send(400, { code: 21604, message: "A 'To' phone number is required.", status: 400 });
    if (!E164.test(to)) return send(400, { code: 21211, message: `The 'To' number ${to} is not a valid phone number.`, status: 400 });
    if (typeof body !== 'string' || body === '') return send(400, { code: 21602, message: 'Message body is required.', status: 400 });
    const sid = `SM${String(messages.length + 1).padStart(32, '0')}`;
    messages.push({ sid, path: seen.path, to, from: String(from ?? ''), body, idempotencyKey: key });
    const answer = o.style === 'twilio' ? { sid, to, from, body, status: 'queued' } : { messageId: sid, accepted: true };
    const text = JSON.stringify(answer);
    if (key) answered.set(key, { status: 201, body: text });
    if (step?.kind === 'slow') await new Promise((r) => setTimeout(r, step.ms));
    return send(201, text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    requests,
    script: (...s) => void steps.push(...s),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function authorized(header: string | undefined, auth: FakeSmsOptions['auth']): boolean {
  if (auth === null) return true;
  if ('bearer' in auth) return header === `Bearer ${auth.bearer}`;
  return header === `Basic ${Buffer.from(`${auth.basic.user}:${auth.basic.password}`).toString('base64')}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseFields(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.startsWith('application/json')) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}
