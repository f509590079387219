/**
 * The engine's small local HTTP API: /healthz for Docker and monitoring (no patient data, no
 * token), and, with the admin token, status, Prometheus metrics, agent pause/unpause, the day/night
 * mode and reload.
 * It binds to 127.0.0.1 unless told otherwise.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallEngine } from '../calls/call-engine.js';
import type { Mode } from '../routing/types.js';
import type { PromptReport } from '../prompts/monitor.js';
import { WALLBOARD_HTML, wallboardData } from './wallboard.js';

export interface AdminDeps {
  readonly engine: CallEngine;
  readonly token: string;
  /** Connection states for health: ARI and (when configured) AMI. */
  readonly health: () => { readonly ari: string; readonly ami: string | null };
  /** The wallboard's read-only key (PBX_ROUTER_WALLBOARD_TOKEN); without it there is no wallboard. */
  readonly wallboardToken?: string;
  /** Loads and validates the config again; the running one stays when it is bad. */
  readonly reload: () => { ok: true; version: string } | { ok: false; problems: string[] };
  /** The last check of the prompts on the Asterisk (missing ones), when the engine runs one. */
  readonly prompts?: () => PromptReport;
}

export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

const MODES: readonly Mode[] = ['day', 'night', 'auto'];

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = '';
  for await (const chunk of req) {
    text += String(chunk);
    if (text.length > 10_000) throw new Error('request body too large');
  }
  if (!text.trim()) return {};
  const v = JSON.parse(text) as unknown;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
  return v as Record<string, unknown>;
}

function same(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function authorised(req: IncomingMessage, token: string): boolean {
  return same(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '', token);
}

/** The status the `status` command prints. */
export function status(d: AdminDeps) {
  const plan = d.engine.currentPlan();
  const queues = d.engine.queues.snapshot();
  const agents = d.engine.agents.snapshot();
  return {
    ...d.health(),
    configVersion: plan.version,
    callsInProgress: d.engine.active(),
    queues: [...plan.queues.keys()].map((id) => ({ id, waiting: queues[id]?.waiting ?? 0, longestWait: queues[id]?.longestWait ?? 0 })),
    agents: [...plan.agents.values()].map((a) => ({ id: a.id, name: a.name, state: agents[a.id]?.state ?? 'offline' })),
    modes: d.engine.modes(),
    prompts: d.prompts?.() ?? null,
    // Channels Asterisk stopped acting on: only an Asterisk restart frees them.
    wedged: d.engine.wedgedChannels(),
  };
}

/** A label value in the Prometheus text format. */
const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * The engine's state in the Prometheus text format (0.0.4): connections, calls in progress, callers
 * waiting per queue and the longest wait, agents per state, calls ended since start per outcome.
 * Counts only: no caller numbers or names.
 */
export function metrics(d: AdminDeps): string {
  const plan = d.engine.currentPlan();
  const h = d.health();
  const queues = d.engine.queues.snapshot();
  const agents = d.engine.agents.snapshot();
  const byState: Record<string, number> = { available: 0, ringing: 0, busy: 0, 'wrap-up': 0, paused: 0, offline: 0 };
  for (const a of plan.agents.keys()) byState[agents[a]?.state ?? 'offline'] = (byState[agents[a]?.state ?? 'offline'] ?? 0) + 1;
  const out: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, rows: readonly [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of rows) {
      const l = Object.entries(labels).map(([k, x]) => `${k}="${label(x)}"`).join(',');
      out.push(`${name}${l ? `{${l}}` : ''} ${v}`);
    }
  };
  metric('pbx_router_config_info', 'gauge', 'The running configuration version.', [[{ version: plan.version }, 1]]);
  metric('pbx_router_ari_connected', 'gauge', 'Whether the ARI event socket is connected (1) or not (0).', [[{}, h.ari === 'connected' ? 1 : 0]]);
  if (h.ami !== null) metric('pbx_router_ami_connected', 'gauge', 'Whether AMI (desk phone presence) is connected.', [[{}, h.ami === 'connected' ? 1 : 0]]);
  metric('pbx_router_calls_in_progress', 'gauge', 'Calls the engine is handling now.', [[{}, d.engine.active()]]);
  metric('pbx_router_channels_wedged', 'gauge', 'Channels Asterisk accepts requests for and never acts on (restart Asterisk to free them).', [[{}, d.engine.wedgedChannels().length]]);
  metric('pbx_router_queue_waiting', 'gauge', 'Callers waiting in each queue.', [...plan.queues.keys()].map((q) => [{ queue: q }, queues[q]?.waiting ?? 0]));
  metric('pbx_router_queue_longest_wait_seconds', 'gauge', 'How long the longest-waiting caller of each queue has waited.', [...plan.queues.keys()].map((q) => [{ queue: q }, queues[q]?.longestWait ?? 0]));
  metric('pbx_router_agents', 'gauge', 'Agents in each state.', Object.entries(byState).map(([state, n]) => [{ state }, n]));
  metric('pbx_router_calls_ended_total', 'counter', 'Calls ended since the engine started, by outcome.', Object.entries(d.engine.endedByOutcome()).sort().map(([outcome, n]) => [{ outcome }, n]));
  const prompts = d.prompts?.();
  if (prompts?.checkedAt != null) {
    metric('pbx_router_prompts_check_ok', 'gauge', 'Whether the last check of the prompts on Asterisk (ARI sounds) worked (1) or not (0).', [[{}, prompts.error === null ? 1 : 0]]);
    metric('pbx_router_prompts_missing', 'gauge', 'Sounds (per language) the running config or the engine plays that Asterisk does not have: callers hear silence there.', [[{}, prompts.missing.length]]);
    metric('pbx_router_prompt_missing', 'gauge', 'Each missing sound, by language (1 while missing).', prompts.missing.map((m) => [{ sound: m.sound, language: m.language }, 1]));
  }
  return `${out.join('\n')}\n`;
}

/** Starts the API; `port` 0 picks a free one. */
export async function startAdmin(d: AdminDeps, host = '127.0.0.1', port = 8089): Promise<AdminServer> {
  if (d.token.length < 16) throw new Error('the admin token must be at least 16 characters (PBX_ROUTER_ADMIN_TOKEN)');
  if (d.wallboardToken !== undefined && d.wallboardToken.length < 16) throw new Error('the wallboard token must be at least 16 characters (PBX_ROUTER_WALLBOARD_TOKEN)');
  if (d.wallboardToken !== undefined && d.wallboardToken === d.token) throw new Error('the wallboard token must differ from the admin token: it sits in a URL on a screen');
  const server = createServer((req, res) => {
    void handle(d, req, res).catch((e: Error) => send(res, 400, { error: e.message }));
  });
  await new Promise<void>((r) => server.listen(port, host, () => r()));
  const addr = server.address() as AddressInfo;
  return { url: `http://${host}:${addr.port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function handle(d: AdminDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://admin');
  if (req.method === 'GET' && url.pathname === '/healthz') {
    const h = d.health();
    const ok = h.ari === 'connected' && (h.ami === null || h.ami === 'connected');
    return send(res, ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', ...h, configVersion: d.engine.currentPlan().version });
  }
  if (req.method === 'GET' && (url.pathname === '/wallboard' || url.pathname === '/wallboard/data')) return wallboard(d, req, res, url);
  if (!authorised(req, d.token)) return send(res, 401, { error: 'missing or wrong admin token (Authorization: Bearer <token>)' });
  if (req.method === 'GET' && url.pathname === '/status') return send(res, 200, status(d));
  if (req.method === 'GET' && url.pathname === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(metrics(d));
    return;
  }
  const agent = /^\/agents\/([^/]+)\/(pause|unpause)$/.exec(url.pathname);
  if (req.method === 'POST' && agent) {
    const id = decodeURIComponent(agent[1]!);
    if (!d.engine.agents.pause(id, agent[2] === 'pause')) return send(res, 404, { error: `unknown agent '${id}'` });
    return send(res, 200, { agent: id, state: d.engine.agents.state(id) });
  }
  if (req.method === 'POST' && url.pathname === '/mode') {
    const body = await readJson(req);
    const mode = body.mode as Mode;
    const site = typeof body.site === 'string' ? body.site : null;
    if (!MODES.includes(mode)) return send(res, 400, { error: `mode must be day, night or auto, not ${JSON.stringify(body.mode)}` });
    if (site !== null && !d.engine.currentPlan().sites.has(site)) return send(res, 404, { error: `unknown site '${site}'` });
    return send(res, 200, { modes: d.engine.setMode(mode, site) });
  }
  if (req.method === 'POST' && url.pathname === '/reload') {
    const r = d.reload();
    return r.ok ? send(res, 200, { version: r.version }) : send(res, 422, { error: 'the new configuration is not valid; the running one stays', problems: r.problems });
  }
  send(res, 404, { error: `no ${req.method} ${url.pathname}` });
}

/** The wallboard page (key in the URL, for the screen) and its data (key in a header). */
function wallboard(d: AdminDeps, req: IncomingMessage, res: ServerResponse, url: URL): void {
  const key = d.wallboardToken;
  if (!key) return send(res, 404, { error: 'the wallboard is off: set PBX_ROUTER_WALLBOARD_TOKEN (16+ characters) in the secrets file' });
  if (url.pathname === '/wallboard') {
    if (!same(url.searchParams.get('key') ?? '', key)) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>pbx-router wallboard</title><p>Wrong or missing wallboard key: open /wallboard?key=&lt;PBX_ROUTER_WALLBOARD_TOKEN&gt;.</p>');
      return;
    }
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
        'content-security-policy': "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        'referrer-policy': 'no-referrer',
      })
      .end(WALLBOARD_HTML);
    return;
  }
  const given = req.headers['x-wallboard-key'];
  if (!same(typeof given === 'string' ? given : '', key)) return send(res, 401, { error: 'missing or wrong wallboard key (x-wallboard-key)' });
  send(res, 200, wallboardData(d.engine, d.health().ari, Date.now(), d.prompts?.().missing.length ?? 0));
}
