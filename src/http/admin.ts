/**
 * The engine's small local HTTP API (fastify): /healthz for Docker and monitoring (no patient data,
 * no token), and, with the admin token, status, Prometheus metrics, agent pause/unpause, the
 * day/night mode and reload; the wallboard behind its own read-only key, and the SMS provider's
 * webhook for STOP/START replies behind another (./sms-inbound.ts). Request bodies and
 * parameters are checked against JSON schemas (fastify's ajv); every error answers with a code
 * from one table (./errors.ts). It binds to 127.0.0.1:8089 unless told otherwise (--admin-listen).
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { fastify, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { EngineView } from '../calls/call-engine.js';
import type { Logger } from '../logging/logger.js';
import { registerEngineGauges } from '../metrics/engine-gauges.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import type { PromptReport } from '../prompts/monitor.js';
import type { Mode } from '../routing/types.js';
import type { StoreHealthReport } from '../store/store-health.js';
import { ADMIN_ERRORS, AdminError, listenError } from './errors.js';
import { registerSmsInbound, type SmsOptOutList } from './sms-inbound.js';
import { WALLBOARD_HTML, wallboardData } from './wallboard.js';

export interface AdminDeps {
  readonly engine: EngineView;
  readonly token: string;
  /** Connection states for health: ARI and (when configured) AMI. */
  readonly health: () => { readonly ari: string; readonly ami: string | null; readonly role?: string; readonly engine?: string; readonly epoch?: number; readonly nodes?: readonly { readonly name: string; readonly state: string; readonly lost: boolean }[] };
  /** Whether the database keeps what the engine writes (degraded: calls go on from memory). */
  readonly store?: () => StoreHealthReport;
  /** The wallboard's read-only key (PBX_ROUTER_WALLBOARD_TOKEN); without it there is no wallboard. */
  readonly wallboardToken?: string;
  /** The SMS webhook's key (PBX_ROUTER_SMS_WEBHOOK_TOKEN); without it STOP and START replies are not taken. */
  readonly smsWebhookToken?: string;
  /** The opt-out list STOP and START replies change. */
  readonly smsOptOuts?: SmsOptOutList;
  /** Loads and validates the config again; the running one stays when it is bad. */
  readonly reload: () => { ok: true; version: string } | { ok: false; problems: string[] };
  /** The last check of the prompts on the Asterisk (missing ones), when the engine runs one. */
  readonly prompts?: () => PromptReport;
  /** The engine's metrics; the API adds the gauges of the engine's state (default: a new set). */
  readonly metrics?: Metrics;
  /** Where the API's own failures (500) are logged with their cause. */
  readonly log?: Logger;
}

export interface AdminServer {
  readonly url: string;
  close(): Promise<void>;
}

const MODES: readonly Mode[] = ['day', 'night', 'auto'];

function same(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The status the `status` command prints. */
export function status(d: AdminDeps) {
  const plan = d.engine.currentPlan();
  const queues = d.engine.queueSnapshot();
  const agents = d.engine.agentSnapshot();
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

/** Checks the tokens: 16+ characters, and the wallboard's and the SMS webhook's differ from the admin token and each other. Run before the engine starts anything. */
export function checkTokens(d: Pick<AdminDeps, 'token' | 'wallboardToken' | 'smsWebhookToken'>): void {
  if (d.token.length < 16) throw new Error('the admin token must be at least 16 characters (PBX_ROUTER_ADMIN_TOKEN)');
  if (d.wallboardToken !== undefined && d.wallboardToken.length < 16) throw new Error('the wallboard token must be at least 16 characters (PBX_ROUTER_WALLBOARD_TOKEN)');
  if (d.wallboardToken !== undefined && d.wallboardToken === d.token) throw new Error('the wallboard token must differ from the admin token: it sits in a URL on a screen');
  const sms = d.smsWebhookToken;
  if (sms !== undefined && sms.length < 16) throw new Error('the SMS webhook token must be at least 16 characters (PBX_ROUTER_SMS_WEBHOOK_TOKEN)');
  if (sms !== undefined && (sms === d.token || sms === d.wallboardToken)) throw new Error("the SMS webhook token must differ from the admin and wallboard tokens: it sits in a URL in the provider's console");
}

/** A validation failure in words: `body/mode must be one of day, night, auto`. */
function validationMessage(e: FastifyError): string {
  return (e.validation ?? [])
    .map((v) => {
      const where = `${e.validationContext ?? 'request'}${v.instancePath || ''}`;
      const allowed = (v.params as { allowedValues?: unknown[] }).allowedValues;
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      if (allowed) return `${where} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`;
      if (extra) return `${where} has an unknown field '${extra}'`;
      return `${where} ${v.message ?? 'is not valid'}`;
    })
    .join('; ');
}

/** Any thrown error as the table's code and message; what is not ours or a client's mistake is `internal`. */
function asAdminError(e: FastifyError | AdminError): AdminError {
  if (e instanceof AdminError) return e;
  if (e.validation) return new AdminError('bad-request', validationMessage(e));
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AdminError('body-too-large', 'the request body is over 10 kB');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AdminError('unsupported-media-type', 'send the body as application/json (to /sms/inbound: JSON or application/x-www-form-urlencoded)');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AdminError('bad-json', `the body is not valid JSON: ${e.message}`);
  }
  if (e.statusCode !== undefined && e.statusCode >= 400 && e.statusCode < 500) return new AdminError('bad-request', e.message);
  return new AdminError('internal', 'the engine failed to answer this request; its log has the cause');
}

/** The API as a fastify instance, not listening (tests use `inject`). */
export function buildAdmin(d: AdminDeps): FastifyInstance {
  checkTokens(d);
  const metrics = d.metrics ?? createMetrics();
  registerEngineGauges(metrics.registry, d);
  const app = fastify({
    logger: false,
    bodyLimit: 10_000,
    // Unknown fields are refused, not silently dropped, and nothing is coerced: a typo gets a 400.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
  });
  // JSON only (text/plain is fastify's other default: here a 415). The CLI sends
  // `content-type: application/json` on every request, bodyless POSTs included.
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => (String(body).trim() === '' ? done(null, undefined) : json(req, body as string, done)));
  app.addHook('onSend', async (_req, reply) => void reply.header('cache-control', 'no-store'));
  app.setErrorHandler((e: FastifyError | AdminError, req, reply) => {
    const a = asAdminError(e);
    if (a.code === 'internal') d.log?.error({ err: e, method: req.method, url: req.routeOptions.url ?? req.url }, `admin API: ${req.method} ${req.routeOptions.url ?? req.url} failed: ${e.message}`);
    return reply.code(a.status).send({ code: a.code, error: a.message, ...a.details });
  });
  app.setNotFoundHandler((req, reply) => reply.code(ADMIN_ERRORS['unknown-route'].status).send({ code: 'unknown-route', error: `no ${req.method} ${req.url.split('?')[0]}` }));

  app.get('/healthz', async (_req, reply) => {
    const h = d.health();
    const store = d.store?.();
    const ok = h.ari === 'connected' && (h.ami === null || h.ami === 'connected') && store?.state !== 'degraded';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', ...h, ...(store ? { store: store.state, ...(store.reasons.length ? { storeProblems: store.reasons } : {}) } : {}), configVersion: d.engine.currentPlan().version });
  });
  registerWallboard(app, d);
  registerSmsInbound(app, { token: d.smsWebhookToken, optOuts: d.smsOptOuts, plan: () => d.engine.currentPlan(), now: () => Date.now(), same, ...(d.log ? { log: d.log } : {}) });
  void app.register(async (api) => {
    api.addHook('onRequest', async (req: FastifyRequest) => {
      if (!same(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '', d.token)) throw new AdminError('unauthorized', 'missing or wrong admin token (Authorization: Bearer <token>)');
    });
    api.get('/status', async () => status(d));
    api.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.text()));
    const agentRoute = { schema: { params: { type: 'object', properties: { id: { type: 'string', minLength: 1, maxLength: 200 } }, required: ['id'] } } } as const;
    for (const verb of ['pause', 'unpause'] as const) {
      api.post<{ Params: { id: string } }>(`/agents/:id/${verb}`, agentRoute, async (req) => {
        const id = req.params.id;
        if (!d.engine.pauseAgent(id, verb === 'pause')) throw new AdminError('unknown-agent', `unknown agent '${id}' (agents: ${[...d.engine.currentPlan().agents.keys()].join(', ')})`, { agent: id });
        return { agent: id, state: d.engine.agentState(id) };
      });
    }
    const modeBody = {
      type: 'object',
      properties: { mode: { type: 'string', enum: MODES }, site: { type: ['string', 'null'], minLength: 1, maxLength: 200 } },
      required: ['mode'],
      additionalProperties: false,
    } as const;
    api.post<{ Body: { mode: Mode; site?: string | null } }>('/mode', { schema: { body: modeBody } }, async (req) => {
      const site = req.body.site ?? null;
      if (site !== null && !d.engine.currentPlan().sites.has(site)) throw new AdminError('unknown-site', `unknown site '${site}' (sites: ${[...d.engine.currentPlan().sites.keys()].join(', ')})`, { site });
      return { modes: d.engine.setMode(req.body.mode, site) };
    });
    api.post('/reload', async () => {
      const r = d.reload();
      if (!r.ok) throw new AdminError('config-invalid', 'the new configuration is not valid; the running one stays', { problems: r.problems });
      return { version: r.version };
    });
  });
  return app;
}

/** The wallboard page (key in the URL, for the screen) and its data (key in a header). */
function registerWallboard(app: FastifyInstance, d: AdminDeps): void {
  const key = (): string => {
    if (!d.wallboardToken) throw new AdminError('wallboard-off', 'the wallboard is off: set PBX_ROUTER_WALLBOARD_TOKEN (16+ characters) in the secrets file');
    return d.wallboardToken;
  };
  const querystring = { type: 'object', properties: { key: { type: 'string', maxLength: 500 } } } as const;
  app.get<{ Querystring: { key?: string } }>('/wallboard', { schema: { querystring } }, async (req, reply: FastifyReply) => {
    if (!same(req.query.key ?? '', key())) {
      return reply.code(ADMIN_ERRORS['wallboard-key'].status).type('text/html; charset=utf-8').send('<!doctype html><title>pbx-router wallboard</title><p>Wrong or missing wallboard key: open /wallboard?key=&lt;PBX_ROUTER_WALLBOARD_TOKEN&gt;.</p>');
    }
    return reply
      .type('text/html; charset=utf-8')
      .headers({ 'content-security-policy': "default-src 'none'; connect-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'", 'referrer-policy': 'no-referrer' })
      .send(WALLBOARD_HTML);
  });
  app.get('/wallboard/data', async (req) => {
    const given = req.headers['x-wallboard-key'];
    if (!same(typeof given === 'string' ? given : '', key())) throw new AdminError('wallboard-key', 'missing or wrong wallboard key (x-wallboard-key)');
    return wallboardData(d.engine, d.health().ari, Date.now(), d.prompts?.().missing.length ?? 0);
  });
}

/**
 * Fails with the AdminListenError startAdmin would give when host:port cannot be taken (in use, no
 * such address), by binding and releasing it: checked before the engine starts anything.
 */
export async function checkListen(host: string, port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', (e) => reject(listenError(e, host, port)));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Starts the API on host:port (`port` 0 picks a free one); an address it cannot take is an AdminListenError. */
export async function startAdmin(d: AdminDeps, host = '127.0.0.1', port = 8089): Promise<AdminServer> {
  const app = buildAdmin(d);
  try {
    await app.listen({ host, port });
  } catch (e) {
    await app.close();
    throw listenError(e, host, port);
  }
  const addr = app.server.address() as AddressInfo;
  return { url: `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`, close: () => app.close() };
}
