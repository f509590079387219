/**
 * The active/standby engine pair (issue 19). Every engine started on a PostgreSQL store runs
 * here: it is a standby until it holds the lease (lease.ts, lease-keeper.ts), and only then starts
 * the engine proper — store writes, timers, and above all the ARI WebSocket. A standby must not
 * open ARI: Asterisk gives a Stasis application to the newest socket, so a standby that connected
 * would steal every call from the leader.
 *
 * On taking the lease the engine starts with the new term's epoch: every write it makes is fenced
 * by that epoch in the database (pg-db.ts), so once another engine takes over, a write of this one
 * is refused there, however late it arrives (a process woken from kill -STOP). Its telephony is
 * fenced by this process's own clock too (`leading`): a leader whose lease deadline has passed
 * sends Asterisk nothing more. Connecting, it reconciles from GET /channels like any restarted
 * engine, so callers still in Stasis (waiting in a queue, talking to an agent) are picked up with
 * their places from the shared store.
 *
 * A leader that loses the lease (refused renewal, or its own deadline passed) or whose application
 * was taken (`ApplicationReplaced`: another engine connected) stops at once: the telephony first
 * (no more commands to Asterisk), then the rest. It then is a standby again and may lead later.
 *
 * While a standby, the admin API answers only /healthz (503, role standby), /status and /metrics
 * (the role, the leader's id and epoch), on the same address the engine's API takes when it leads.
 */
import { hostname } from 'node:os';
import fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { Registry } from 'prom-client';
import { registerRoleGauges } from '../metrics/engine-gauges.js';
import { Lease, migrateLease, type LeaseTerm } from './lease.js';
import { LeaseKeeper, type LeadershipLost, type Role } from './lease-keeper.js';
import { openLeasePool } from './lease-pool.js';

/** How the pair is set: PBX_ROUTER_ENGINE_ID, PBX_ROUTER_LEASE_TTL_MS, PBX_ROUTER_LEASE_NAME. */
export interface PairSettings {
  /** postgres:// URL of the shared store (the lease lives there too). */
  readonly url: string;
  /** This engine's id in the lease: unique per running engine (default host:pid). */
  readonly holder: string;
  /** How long a lease lasts without renewal; a takeover comes at most this long (plus a third) after a leader dies. */
  readonly ttlMs: number;
  readonly leaseName: string;
}

/** The default lease: 6 s. Renewed every 2 s; a dead leader is replaced within about 8 s. */
export const DEFAULT_LEASE_TTL_MS = 6000;

/** The pair's settings from the environment; a bad TTL is an error naming the variable. */
export function pairSettingsFromEnv(url: string, env: NodeJS.ProcessEnv = process.env): PairSettings {
  const ttlText = env.PBX_ROUTER_LEASE_TTL_MS;
  const ttlMs = ttlText === undefined || ttlText === '' ? DEFAULT_LEASE_TTL_MS : Number(ttlText);
  if (!Number.isInteger(ttlMs) || ttlMs < 1000 || ttlMs > 120_000) throw new Error(`PBX_ROUTER_LEASE_TTL_MS '${ttlText}' must be a whole number of milliseconds from 1000 to 120000`);
  const holder = env.PBX_ROUTER_ENGINE_ID || `${hostname()}:${process.pid}`;
  if (holder.length > 200) throw new Error('PBX_ROUTER_ENGINE_ID is over 200 characters');
  return { url, holder, ttlMs, leaseName: env.PBX_ROUTER_LEASE_NAME || 'engine' };
}

/** What a leader is started with. */
export interface Leadership {
  readonly term: LeaseTerm;
  /** Whether this process still leads in `term`, by its own clock (false from the moment the deadline passed). */
  leading(): boolean;
  /** Called by the engine when Asterisk gave the application to another socket (ApplicationReplaced). */
  replaced(): void;
}

/** What the pair needs of a running engine. */
export interface LedEngine {
  /** Stops telephony at once (no more commands to Asterisk); the rest is stopped by stop(). */
  halt(): void;
  stop(): Promise<void>;
}

export interface PairOptions {
  readonly settings: PairSettings;
  readonly log: {
    info(msg: string): void;
    warn(msg: string): void;
    error(msg: string): void;
  };
  /** Starts the engine as leader of `lead.term`. */
  readonly start: (lead: Leadership) => Promise<LedEngine>;
  /** The standby's admin API (same address and token as the engine's), when the API is on. */
  readonly admin?: { readonly host: string; readonly port: number; readonly token: string };
  /** Told when the engine started as a leader failed to start (the process should exit). */
  readonly onFatal?: (e: unknown) => void;
}

export interface EnginePair {
  role(): Role;
  /** The term this engine leads, if it does. */
  term(): LeaseTerm | undefined;
  /** Resolves once this engine leads and its engine has started (tests). */
  led(): Promise<void>;
  stop(): Promise<void>;
}

/** Runs one engine of the pair; see the file's comment. */
export async function runEnginePair(o: PairOptions): Promise<EnginePair> {
  const { settings, log } = o;
  const masked = settings.url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  let lastProblem = '';
  const pool = openLeasePool({
    url: settings.url,
    ttlMs: settings.ttlMs,
    onError: (e) => log.warn(`lease: connection to ${masked} lost: ${e.message}`),
  });
  // The lease table and fence functions; the database may still be starting: tried until it answers.
  for (let tries = 0; ; tries++) {
    try {
      await migrateLease(pool);
      break;
    } catch (e) {
      if (tries >= 60) {
        await pool.end().catch(() => undefined);
        throw new Error(`cannot reach PostgreSQL at ${masked} for the engine lease: ${(e as Error).message}`);
      }
      if (tries === 0) log.warn(`lease: PostgreSQL at ${masked} does not answer (${(e as Error).message}); trying again every second`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const lease = new Lease(pool, settings.leaseName);
  const keeper = new LeaseKeeper({ lease, holder: settings.holder, ttlMs: settings.ttlMs });
  let running: LedEngine | null = null;
  let stopped = false;
  let standby: FastifyInstance | null = null;
  let ledOnce: () => void = () => {};
  const led = new Promise<void>((r) => (ledOnce = r));

  keeper.on('problem', (e) => {
    const m = (e as Error).message;
    if (m !== lastProblem) log.warn(`lease: ${m}; the keeper goes on`);
    lastProblem = m;
  });

  const startStandbyApi = async (): Promise<void> => {
    if (!o.admin || standby || stopped) return;
    standby = standbyApi(o.admin.token, settings, lease, keeper);
    try {
      await standby.listen({ host: o.admin.host, port: o.admin.port });
    } catch (e) {
      log.error(`standby admin API cannot listen on ${o.admin.host}:${o.admin.port}: ${(e as Error).message}`);
      standby = null;
    }
  };
  const stopStandbyApi = async (): Promise<void> => {
    const s = standby;
    standby = null;
    await s?.close();
  };

  /** Ends this engine's leadership: telephony first, then the rest; the keeper competes again. */
  const stepDown = async (why: string): Promise<void> => {
    const r = running;
    running = null;
    if (!r) return;
    log.error(`${why}: this engine stops taking calls now; it is a standby again`);
    r.halt();
    await r.stop().catch((e: unknown) => log.error(`stopping the engine after losing the lease: ${(e as Error).message}`));
    if (!stopped) await startStandbyApi();
  };

  keeper.on('lost', (loss: LeadershipLost) => {
    // At once, before anything else of this turn: no command to Asterisk from here on.
    running?.halt();
    const holder = loss.holder ? `, now held by ${loss.holder}` : '';
    void stepDown(`lease ${settings.leaseName} epoch ${loss.epoch} lost (${loss.cause}${holder})`);
  });

  keeper.on('leader', (term) => {
    void (async () => {
      const start = Date.now();
      log.info(`lease ${settings.leaseName} taken at epoch ${term.epoch} by ${settings.holder}: starting the engine (ARI, reconcile)`);
      await stopStandbyApi();
      if (stopped || keeper.term()?.epoch !== term.epoch) return;
      const lead: Leadership = {
        term,
        leading: () => keeper.term()?.epoch === term.epoch,
        replaced: () => {
          // Another engine serves the application: whatever the lease says, this one must not carry on.
          running?.halt();
          void keeper.stop().then(() => {
            if (!stopped) keeper.start();
          });
          void stepDown(`Asterisk gave the application to another connection (ApplicationReplaced) during epoch ${term.epoch}`);
        },
      };
      try {
        const engine = await o.start(lead);
        if (!lead.leading() || stopped) {
          engine.halt();
          await engine.stop();
          return;
        }
        running = engine;
        log.info(`leader at epoch ${term.epoch}: engine started in ${Date.now() - start} ms`);
        ledOnce();
      } catch (e) {
        log.error(`the engine failed to start as leader: ${(e as Error).message}`);
        await keeper.stop();
        o.onFatal?.(e);
      }
    })();
  });

  await startStandbyApi();
  log.info(`engine ${settings.holder}: standby, waiting for lease ${settings.leaseName} (ttl ${settings.ttlMs} ms) in ${masked}`);
  keeper.start();

  return {
    role: () => keeper.role,
    term: () => keeper.term(),
    led: () => led,
    stop: async () => {
      stopped = true;
      const r = running;
      running = null;
      r?.halt();
      await r?.stop();
      await keeper.stop();
      await stopStandbyApi();
      await pool.end().catch(() => undefined);
    },
  };
}

function same(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The standby's admin API: health 503 with the role, status and metrics with the leader's id and epoch. */
function standbyApi(token: string, settings: PairSettings, lease: Lease, keeper: LeaseKeeper): FastifyInstance {
  const registry = new Registry();
  const read = async () => lease.read().catch(() => null);
  let lastEpoch: number | null = null;
  registerRoleGauges(registry, () => ({ role: keeper.role, epoch: lastEpoch }));
  const app = fastify({ logger: false });
  const view = async () => {
    const l = await read();
    if (l) lastEpoch = l.epoch;
    return { role: keeper.role, engine: settings.holder, lease: settings.leaseName, leader: l && !l.expired ? l.holder : null, epoch: l?.epoch ?? null, ari: 'standby', ami: null };
  };
  app.get('/healthz', async (_req, reply) => reply.code(503).send({ status: 'standby', ...(await view()) }));
  void app.register(async (api) => {
    api.addHook('onRequest', async (req: FastifyRequest, reply) => {
      if (!same(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '', token)) return reply.code(401).send({ code: 'unauthorized', error: 'missing or wrong admin token (Authorization: Bearer <token>)' });
    });
    api.get('/status', async () => view());
    api.get('/metrics', async (_req, reply) => {
      await view();
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  });
  app.setNotFoundHandler((req, reply) => reply.code(503).send({ code: 'standby', error: `this engine is a standby (${settings.holder}); ${req.method} ${req.url.split('?')[0]} is answered by the leader` }));
  return app;
}

/** Whether a store location is PostgreSQL (the pair runs only there). */
export const isPostgresUrl = (location: string): boolean => /^postgres(ql)?:\/\//i.test(location);
