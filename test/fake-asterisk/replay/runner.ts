/**
 * Replays a transcript against a FakeAsterisk: the same REST calls (ids mapped), in the same
 * order and at the same (scaled) times, over one keep-alive connection and one event socket
 * like the recording tool; the lab's own calls (originate to from-carrier/sim-agent) are
 * replayed too, as the fake emulates that dialplan. Each REST answer is compared at once; the
 * events are compared per subject at the end (see compare.ts).
 */
import { createRequire } from 'node:module';
import { FakeAsterisk } from '../fake-asterisk.js';
import type { EventOrder, Json, JsonObject } from '../model/types.js';
import { RawHttpClient, type RawResponse } from '../testing/raw-http.js';
import { bySubject, compareEvents, countsBySubject, fakeSubject, maskLabDeep } from './compare.js';
import { IdMap, maskTimes } from './id-map.js';
import { loadTranscript, type RestLine } from './transcript.js';

interface WsClient {
  on(event: 'message', cb: (data: string) => void): void;
  on(event: 'open' | 'close', cb: () => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  close(): void;
}
const requireCjs = createRequire(import.meta.url);
const WebSocket = requireCjs('ws') as new (url: string) => WsClient;

const PASSWORD = 'replay-secret';

/** What a replay found. */
export interface ReplayReport {
  readonly file: string;
  readonly restChecked: number;
  readonly eventsRecorded: number;
  readonly mismatches: string[];
  readonly fake: FakeAsterisk;
}

/** Replay settings. */
export interface ReplayOptions {
  readonly prefix: string;
  readonly speed?: number;
  /** Prepares the fake (stored recordings...). */
  readonly setup?: (fake: FakeAsterisk) => void;
  /** See FakeAsteriskOptions.eventOrder (the comparison does not depend on it). */
  readonly eventOrder?: EventOrder;
  /** Acts on the recording's notes (a phone registers, answers...). */
  readonly onNote?: (text: string, fake: FakeAsterisk) => void;
  /** Event types the fake knowingly does not produce in this flow (listed in the report). */
  readonly notModelled?: readonly string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one transcript; the caller stops `report.fake`. */
export async function replay(opts: ReplayOptions): Promise<ReplayReport> {
  const speed = opts.speed ?? 10;
  const { file, lines } = loadTranscript(opts.prefix);
  const fake = new FakeAsterisk({ password: PASSWORD, speed, serverName: 'Asterisk-Lab', eventOrder: opts.eventOrder });
  const { port } = await fake.start();
  opts.setup?.(fake);
  const ids = new IdMap();
  ids.indexRecorded(lines.flatMap((l) => (l.kind === 'event' ? [l.event] : l.kind === 'rest' ? [l.response] : [])));
  const recordedEvents = lines.flatMap((l) => (l.kind === 'event' ? [{ t: l.t, event: l.event }] : []));
  const fakeEvents: JsonObject[] = [];
  const mismatches: string[] = [];
  const http = new RawHttpClient(port, { user: 'router', password: PASSWORD });
  let ws: WsClient | null = null;
  const connect = async (subscribeAll: boolean) => {
    const sock = new WebSocket(`ws://127.0.0.1:${port}/ari/events?app=pbx-router&api_key=router:${PASSWORD}${subscribeAll ? '&subscribeAll=true' : ''}`);
    sock.on('message', (data: string) => fakeEvents.push(JSON.parse(String(data)) as JsonObject));
    await new Promise<void>((resolve, reject) => {
      sock.on('open', () => resolve());
      sock.on('error', reject);
    });
    ws = sock;
  };
  const t0 = Date.now();
  const until = (t: number) => sleep(Math.max(0, t0 + t / speed - Date.now()));
  let restChecked = 0;
  for (const line of lines) {
    if (line.kind === 'event') continue;
    if (line.kind === 'note') {
      if (/^websocket connect /.test(line.text)) {
        await until(line.t);
        await connect(line.text.includes('subscribeAll=true'));
      } else if (line.text.startsWith('websocket closed code=1000')) {
        await until(line.t);
        (ws as WsClient | null)?.close();
        await sleep(20);
      } else if (line.text.startsWith('dropping the websocket')) {
        await until(line.t);
        fake.dropWebSocket('pbx-router');
      } else if (opts.onNote) {
        await until(line.t);
        opts.onNote(line.text, fake);
      }
      continue;
    }
    await until(line.t_sent);
    await caughtUp(ids, recordedEvents.filter((e) => e.t < line.t_sent).map((e) => e.event), fakeEvents, `before ${line.method} ${line.path}`, mismatches);
    const res = await send(http, ids, line, fakeEvents, mismatches);
    if (res) {
      checkRest(ids, line, res, mismatches);
      restChecked++;
    }
  }
  await caughtUp(ids, recordedEvents.map((e) => e.event), fakeEvents, 'at the end', mismatches);
  await sleep(150);
  fakeEvents.forEach((e) => learnChannels(ids, e));
  mismatches.push(...compareEvents(ids, recordedEvents.map((e) => e.event), fakeEvents, opts.notModelled));
  (ws as WsClient | null)?.close();
  http.close();
  return { file, restChecked, eventsRecorded: recordedEvents.length, mismatches, fake };
}

/** Learns recorded<->fake channel ids from every channel snapshot the fake sent. */
function learnChannels(ids: IdMap, v: Json): void {
  if (Array.isArray(v)) v.forEach((x) => learnChannels(ids, x));
  else if (v && typeof v === 'object') {
    if (typeof v.id === 'string' && typeof v.name === 'string' && 'dialplan' in v) ids.learnChannel(v.id, v.name);
    Object.values(v).forEach((x) => learnChannels(ids, x));
  }
}

/** Waits until the fake has sent, per subject, as many events as the recording had (2 s at most). */
async function caughtUp(ids: IdMap, recorded: readonly JsonObject[], fake: readonly JsonObject[], when: string, mismatches: string[]): Promise<void> {
  const want = countsBySubject(recorded);
  const deadline = Date.now() + 2000;
  for (;;) {
    // Channel ids are learnt through names, whose sequence numbers may be learnt after the event came.
    fake.forEach((e) => learnChannels(ids, e));
    const got = bySubject(fake);
    const missing = [...want].filter(([s, n]) => {
      const fs = fakeSubject(ids, s);
      return !fs || (got.get(fs)?.length ?? 0) < n;
    });
    if (missing.length === 0) return;
    if (Date.now() > deadline) {
      mismatches.push(`${when}: still waiting for events of ${missing.map(([s, n]) => `${s} (${n})`).join(', ')}`);
      return;
    }
    await sleep(5);
  }
}

async function send(http: RawHttpClient, ids: IdMap, line: RestLine, fakeEvents: readonly JsonObject[], mismatches: string[]): Promise<RawResponse | null> {
  const recordedText = [line.path, ...Object.values(line.query), JSON.stringify(line.body ?? null)].join(' ');
  const deadline = Date.now() + 2000;
  for (;;) {
    fakeEvents.forEach((e) => learnChannels(ids, e));
    if (!hasUnmapped(ids, recordedText) || Date.now() > deadline) break;
    await sleep(5);
  }
  if (hasUnmapped(ids, recordedText)) {
    mismatches.push(`${line.method} ${line.path}: an id in the request never appeared in the fake's events`);
    return null;
  }
  const query = Object.entries(line.query)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(ids.mapString(v).replace('router:****', `router:${PASSWORD}`))}`)
    .join('&');
  const target = ids.mapString(line.path) + (query ? `?${query}` : '');
  const anonymous = line.status === 401 || 'api_key' in line.query;
  const headers: Record<string, string> = line.path === '/ari/events' ? { Upgrade: 'websocket', Connection: 'Upgrade', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' } : {};
  const body = line.body === null ? undefined : JSON.stringify(ids.map(line.body));
  return http.request(line.method, target, { headers, body, anonymous });
}

function hasUnmapped(ids: IdMap, text: string): boolean {
  const tokens = text.match(/\b\d{10}\.\d+\b|\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g) ?? [];
  return tokens.some((t) => ids.fakeFor(t) === undefined);
}

/** Status, headers (names in order, and the values that matter) and body of one answer. */
function checkRest(ids: IdMap, line: RestLine, res: RawResponse, mismatches: string[]): void {
  const where = `${line.method} ${line.path} ${JSON.stringify(line.query)}`;
  try {
    if (line.response !== null && typeof line.response === 'object') ids.learn(line.response, JSON.parse(res.body.toString('utf8')) as Json);
  } catch {
    // reported below
  }
  if (res.status !== line.status) mismatches.push(`${where}: status ${res.status}, recorded ${line.status} (${res.body.toString().slice(0, 200)})`);
  if (line.all_headers) {
    const names = line.all_headers.filter((_, i) => i % 2 === 0);
    const got = res.headers.map(([k]) => k);
    if (JSON.stringify(got) !== JSON.stringify(names)) mismatches.push(`${where}: headers ${JSON.stringify(got)}, recorded ${JSON.stringify(names)}`);
    for (let i = 0; i < line.all_headers.length; i += 2) {
      const k = line.all_headers[i] ?? '';
      if (!['Content-type', 'Content-Type', 'Location', 'Allow', 'WWW-Authenticate', 'Cache-Control', 'Server'].includes(k)) continue;
      const want = ids.mapString(line.all_headers[i + 1] ?? '');
      const value = res.headers.find(([n]) => n === k)?.[1];
      if (value !== want) mismatches.push(`${where}: header ${k} ${value}, recorded ${want}`);
    }
  }
  const text = res.body.toString('utf8');
  if (line.response === null) {
    const bytes = (line as { body_bytes?: number }).body_bytes;
    if (bytes === undefined && text !== '') mismatches.push(`${where}: body ${text}, recorded none`);
    if (bytes !== undefined && res.body.subarray(0, 4).toString('latin1') !== 'RIFF') mismatches.push(`${where}: binary body is not a RIFF file`);
    return;
  }
  if (typeof line.response === 'string') {
    if (text !== line.response) mismatches.push(`${where}: body ${JSON.stringify(text)}, recorded ${JSON.stringify(line.response)}`);
    return;
  }
  let got: Json;
  try {
    got = JSON.parse(text) as Json;
  } catch {
    mismatches.push(`${where}: body is not JSON: ${text.slice(0, 200)}`);
    return;
  }
  ids.learn(line.response, got);
  let recorded = line.response;
  if (/\/play(\/|$)/.test(line.path) && recorded && typeof recorded === 'object' && !Array.isArray(recorded) && recorded.state === 'playing') {
    // Known race (README, 01): the play answer was built after PlaybackStarted; the fake answers `queued`.
    recorded = { ...recorded, state: 'queued' };
  }
  const [recMasked, gotMasked] = maskLabDeep(ids.map(recorded), got);
  const a = JSON.stringify(maskTimes(recMasked));
  const b = JSON.stringify(maskTimes(gotMasked));
  if (a !== b) mismatches.push(`${where}:\n  recorded ${a}\n  fake     ${b}`);
}
