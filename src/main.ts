/**
 * The only place where adapters are built and wired: config -> plan, SQLite store, ARI telephony,
 * call engine, logging, metrics, admin API, cron jobs. `pbx-router run` calls startEngine(); tests
 * and the demo call it with a fake Asterisk.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { checkListen, checkTokens, startAdmin, type AdminServer } from './http/admin.js';
import type { AriSettings, ConnectionState } from './asterisk/ari-telephony.js';
import { buildPresence, buildTelephony, nodesFromEnv, type EngineTelephony } from './pbx-adapters.js';
import { AriSounds } from './asterisk/ari-sounds.js';
import { parseAriUrl } from './asterisk/ari-url.js';
import { PromptMonitor } from './prompts/monitor.js';
import { CallEngine } from './calls/call-engine.js';
import { systemClock, trackedClock, type Clock } from './calls/clock.js';
import { loadPlan, type LoadResult } from './config/index.js';
import { clinicZone } from './config/clinic-zone.js';
import type { Plan } from './routing/types.js';
import { formatProblem } from './config/load.js';
import { createLogger, lineLog, textLogger, type LineSink, type Logger } from './logging/logger.js';
import { secretsOf } from './logging/redact.js';
import { createMetrics, SMS_STATUSES, type Metrics } from './metrics/metrics.js';
import { observedStore, timedTelephony } from './metrics/observe.js';
import { startJobs } from './scheduler/jobs.js';
import { smtpMailer, smtpSettingsFromEnv, type Mailer } from './notify/mailer.js';
import { FAILSAFE_BOX, watchFailsafeBox } from './notify/failsafe-box.js';
import { flushOutbox } from './notify/outbox.js';
import { describeError, serialRunner } from './notify/serial-runner.js';
import { flushWebhooks } from './notify/webhook.js';
import { smsOutbox, type SmsSender } from './notify/sms-outbox.js';
import { httpSmsSender, smsCredentialsFromEnv } from './notify/sms-provider.js';
import { transcriptionQueue, type TranscriptionQueue } from './notify/voicemail-transcripts.js';
import { createTranscriber, type TranscriberSettings } from './transcribe/create-transcriber.js';
import type { Transcriber } from './transcribe/transcriber.js';
import { leaderOnly } from './calls/leader-only.js';
import { CallStore } from './store/call-store.js';
import { startCheckpointer, type Checkpointer } from './store/checkpointer.js';
import { tickWithoutFile, watchDatabaseFile, type FileWatch } from './store/db-file-watch.js';
import type { SqliteDb } from './store/db.js';
import { isPostgresUrl, openStore, storeName, urlPassword } from './store/open-store.js';
import { guardSmsStore, guardStores } from './store/guarded-store.js';
import { SmsStore } from './store/sms-store.js';
import { StoreHealth } from './store/store-health.js';
import { groupWrites } from './store/write-groups.js';
import { VoicemailStore } from './store/voicemail-store.js';

/** Where the admin API listens unless told otherwise (--admin-listen, PBX_ROUTER_ADMIN_LISTEN). */
export const DEFAULT_ADMIN_LISTEN = { host: '127.0.0.1', port: 8089 } as const;

export interface EngineOptions {
  readonly config: string;
  readonly ariUrl: string;
  readonly ariUser: string;
  readonly ariPassword: string;
  readonly app: string;
  readonly database: string;
  readonly clock?: Clock;
  /** Plain-text lines instead of the JSON log (tests, the demo): each line is the message alone. */
  readonly log?: (m: string) => void;
  /** Where the JSON log goes (default stderr); ignored when `log` is given. */
  readonly logDestination?: LineSink;
  readonly mailer?: Mailer;
  /** The admin API's token (PBX_ROUTER_ADMIN_TOKEN); without it the API is not started. */
  readonly adminToken?: string;
  /** Where the admin API listens (port 0: any free one). */
  readonly adminListen?: { readonly host: string; readonly port: number };
  /** The ARI connect retries (tests shorten them; default 0.25 s doubling to 30 s, 30 s after a refused password). */
  readonly ariRetry?: AriSettings['retry'];
  /** Where AMI, SMTP, LOG_LEVEL and the secrets to keep out of the log are read: the environment over the secrets file (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** ARI time limits (tests that run Asterisk's clock faster): a request's answer, and an accepted request's event. */
  readonly ariTimeouts?: { readonly requestMs?: number; readonly stallAfterMs?: number };
  /** Builds the voicemail transcriber for the config's settings (default createTranscriber; tests pass a fake). */
  readonly transcriber?: (settings: TranscriberSettings) => Transcriber;
  /**
   * Set when this engine leads an active/standby pair (src/cluster/engine-pair.ts): its store
   * writes carry the term's epoch, its commands to Asterisk stop the moment it no longer leads,
   * and ApplicationReplaced ends its leadership.
   */
  readonly leadership?: EngineLeadership;
}

/** What a leader of the pair starts with (see EngineOptions.leadership). */
export interface EngineLeadership {
  readonly leaseName: string;
  readonly holder: string;
  readonly epoch: number;
  leading(): boolean;
  replaced(): void;
}

export interface RunningEngine {
  readonly engine: CallEngine;
  readonly admin: AdminServer | null;
  /** Reloads the config file; a bad one is rejected with its problems and the running one stays. */
  reload(): { ok: true; version: string } | { ok: false; problems: string[] };
  readonly store: CallStore;
  /** Whether the store keeps what is written (degraded: calls go on from memory). */
  readonly storeHealth: StoreHealth;
  /** One Asterisk, or several nodes (ASTERISK_NODES). */
  readonly telephony: EngineTelephony;
  /** Which prompts of the running config are missing on the Asterisk (checked at every connect and reload). */
  readonly prompts: PromptMonitor;
  /** The engine's log (redacted); `logger.child({ component, call, channel })` for call code. */
  readonly logger: Logger;
  /** The engine's metrics handles (what /metrics shows). */
  readonly metrics: Metrics;
  /** The time zone the cron jobs run in. */
  readonly zone: string;
  /** Voicemails being transcribed, one at a time. */
  readonly transcripts: TranscriptionQueue;
  connection(): ConnectionState;
  /** Stops the telephony at once (no more commands to Asterisk, the event socket closed): a leader that lost its lease. */
  halt(): void;
  stop(): Promise<void>;
}

/** The database: PBX_ROUTER_DB (a SQLite file, or a postgres:// URL), or var/pbx-router.sqlite under the working directory. */
export const DEFAULT_DATABASE = process.env.PBX_ROUTER_DB ?? 'var/pbx-router.sqlite';

/**
 * Settings from the environment; the password never comes from the routing config. A URL with
 * `user:password@` gives the user and password that ASTERISK_ARI_USER / ASTERISK_ARI_PASSWORD do
 * not; the returned URL has no userinfo (see ./asterisk/ari-url.ts). A URL that is not one throws AriUrlError.
 */
export function ariSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { url: string; user: string; password: string | undefined; app: string } {
  const where = env.ASTERISK_ARI_URL !== undefined ? 'ASTERISK_ARI_URL' : 'ARI_URL';
  const at = parseAriUrl(env.ASTERISK_ARI_URL ?? env.ARI_URL ?? 'http://127.0.0.1:8088', where);
  return {
    url: at.url,
    user: env.ASTERISK_ARI_USER ?? env.ARI_USER ?? at.user ?? 'router',
    password: env.ASTERISK_ARI_PASSWORD ?? env.ARI_PASSWORD ?? at.password,
    app: env.ARI_APP ?? 'pbx-router',
  };
}

/** Each agent's desk phone device (e.g. PJSIP/1001) to the agent, for AMI presence. */
const phonesOf = (plan: Plan): Map<string, string> => new Map([...plan.agents.values()].map((a) => [a.endpoint, a.id]));

/** The zone of the cron jobs: the one the sites share, else the first site's (logged). */
function jobZone(plan: Plan, log: Logger): string {
  const z = clinicZone(plan);
  if (z.zone) return z.zone;
  const first = z.first?.zone ?? 'UTC';
  log.warn({ zone: first, zones: z.zones }, `the sites are in several time zones (${z.zones.join('; ')}); the nightly jobs run in the first site's, ${first}`);
  return first;
}

/** One transcriber for the running settings: built on first use, built again when a reload changes the engine, the model or the urgent words. */
function latestTranscriber(build: (settings: TranscriberSettings) => Transcriber): (settings: TranscriberSettings) => Transcriber {
  let built: { key: string; transcriber: Transcriber } | null = null;
  return (settings) => {
    const urgentWords = settings.urgentWords ?? [];
    const key = `${settings.engine}\0${settings.model ?? ''}\0${urgentWords.join('\0')}`;
    if (built?.key !== key) {
      // The one it replaces (a reload changed the engine, model or urgent words) lets go of its files.
      void (built?.transcriber as { close?: () => Promise<void> } | undefined)?.close?.().catch(() => undefined);
      built = { key, transcriber: build({ engine: settings.engine, model: settings.model ?? null, urgentWords }) };
    }
    return built.transcriber;
  };
}

/** Loads the config, opens the store, connects to ARI and starts taking calls. */
export async function startEngine(o: EngineOptions): Promise<RunningEngine> {
  const env = o.env ?? process.env;
  // Every check that can fail comes before anything is started (database, cron jobs, AMI, ARI):
  // a start that fails ends with one line and nothing left running (issue 13, finding 10).
  const ariAt = parseAriUrl(o.ariUrl, 'the ARI URL (--ari-url, ASTERISK_ARI_URL)');
  const ariUser = o.ariUser || ariAt.user || 'router';
  const ariPassword = o.ariPassword || ariAt.password || '';
  // Several Asterisk nodes (ASTERISK_NODES, ASTERISK_AMI_NODES): read before anything starts.
  const asteriskNodes = nodesFromEnv(env);
  const logger = o.log ? textLogger(o.log) : createLogger({ level: env.LOG_LEVEL, secrets: secretsOf(env, [o.ariPassword, ariAt.password, o.adminToken, urlPassword(o.database)]), ...(o.logDestination ? { destination: o.logDestination } : {}) });
  const part = (component: string) => logger.child({ component });
  const log = lineLog(part('engine'));
  const configLog = part('config');
  const { plan, problems, warnings } = loadPlan(o.config);
  if (!plan) throw new Error(`the configuration has ${problems.length} problem(s):\n${problems.map(formatProblem).join('\n')}`);
  const wallboardToken = env.PBX_ROUTER_WALLBOARD_TOKEN;
  const smsWebhookToken = env.PBX_ROUTER_SMS_WEBHOOK_TOKEN;
  const adminAt = o.adminListen ?? DEFAULT_ADMIN_LISTEN;
  if (o.adminToken) {
    checkTokens({ token: o.adminToken, ...(wallboardToken ? { wallboardToken } : {}), ...(smsWebhookToken ? { smsWebhookToken } : {}) });
    await checkListen(adminAt.host, adminAt.port);
  }
  for (const w of warnings) configLog.warn(formatProblem(w));
  if (smsWebhookToken && !o.adminToken) log('warning: PBX_ROUTER_SMS_WEBHOOK_TOKEN is set but PBX_ROUTER_ADMIN_TOKEN is not: the admin API, which takes STOP and START replies at /sms/inbound, is off');
  // The folder, the checkpointer and the file watch are SQLite-file things; PostgreSQL has none of them.
  const postgres = isPostgresUrl(o.database);
  if (!postgres && o.database !== ':memory:') mkdirSync(dirname(o.database), { recursive: true, mode: 0o700 });
  // A leader of the pair writes with its term's epoch: once another engine has taken over, the database refuses its writes.
  const db = openStore(o.database, o.leadership ? { fence: { leaseName: o.leadership.leaseName, epoch: () => o.leadership?.epoch ?? null } } : {});
  const storeLogger = part('store');
  const storeLog = lineLog(storeLogger);
  const checkpoints: Checkpointer = postgres ? { stop: async () => undefined } : startCheckpointer(db as SqliteDb, o.database, storeLog);
  const storeHealth = new StoreHealth(storeLogger, { confirmByCommit: true });
  // Before any statement is prepared: the stores' writes are committed once per event-loop turn.
  const writes = groupWrites(db, storeLog, { committed: () => storeHealth.committed(), failed: (what, e, n) => storeHealth.failed(what, e, n) });
  const store = new CallStore(db);
  // What calls, timers and jobs write through: a failed write is logged and counted, never thrown.
  const guarded = guardStores(store, new VoicemailStore(db), { health: storeHealth, log: storeLogger, commit: () => writes.flush() });
  const voicemails = guarded.voicemails;
  // While writes fail, every tick tries what is held, else (PostgreSQL) a probe (a setting written and committed), so
  // the store is known ok again (and the calls it missed are written, CallEngine.catchUp) even when no call writes.
  const retryHeld = () => {
    if (!storeHealth.writesFailing()) return;
    if (guarded.pending() > 0) return void guarded.retry();
    // (PostgreSQL only: a SQLite file that fails, full or read-only, has its own checks in db-file-watch.ts.)
    if (!postgres) return;
    try {
      store.setSetting('store-probe', { at: clock.now() }, clock.now());
    } catch {
      // Still failing: the next tick tries again.
    }
  };
  const fileWatch: FileWatch = postgres ? tickWithoutFile(retryHeld, storeLog) : watchDatabaseFile(db as SqliteDb, o.database, storeHealth, storeLog, { onTick: retryHeld });
  const metrics = createMetrics();
  // Every engine timer (menus, announcements, wrap-up...) is cancelled on stop, before the database closes.
  const clock = trackedClock(o.clock ?? systemClock());
  const ariLog = part('ari');
  const limits = { ...(o.ariTimeouts?.requestMs ? { requestTimeoutMs: o.ariTimeouts.requestMs } : {}), ...(o.ariTimeouts?.stallAfterMs ? { stallAfterMs: o.ariTimeouts.stallAfterMs } : {}) };
  const pbx = buildTelephony(asteriskNodes, { url: ariAt.url, user: ariUser, password: ariPassword, app: o.app, ...limits, ...(o.ariRetry ? { retry: o.ariRetry } : {}) }, lineLog(ariLog), () => clock.now(), env);
  const telephony = pbx.telephony;
  const timed = timedTelephony(telephony, metrics);
  const smtp = smtpSettingsFromEnv(env);
  const mailer: Mailer =
    o.mailer ??
    (smtp
      ? smtpMailer(smtp)
      : {
          send: async () => {
            throw new Error('SMTP is not configured (set SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD); the email waits in the outbox');
          },
        });
  const notifyLog = lineLog(part('notify'));
  const count = (c: Metrics['emails']) => (r: { sent: number; failed: number }) => {
    c.inc({ result: 'sent' }, r.sent);
    c.inc({ result: 'failed' }, r.failed);
  };
  // One flush at a time, each whatever became of the one before (a throw once broke every later flush).
  const outbox = serialRunner(
    () => flushOutbox({ store: voicemails, mailer, now: () => clock.now(), fetchRecording: (n) => telephony.recordingFile(n), log: notifyLog }).then(count(metrics.emails)),
    (e) => notifyLog(`outbox: flush failed: ${describeError(e)}; the emails stay queued for the next flush`),
  );
  const flush = () => outbox.run();
  const callsLog = part('calls');
  // The running plan, not the one loaded at start: a reload may add or change a list's webhook.
  const hooks = serialRunner(
    () => flushWebhooks(guarded.calls, engine.currentPlan(), () => clock.now(), notifyLog).then(count(metrics.webhooks)),
    (e) => notifyLog(`webhooks: flush failed: ${describeError(e)}; the requests stay queued for the next flush`),
  );
  // Texts to callers: stored before they are sent; the running plan's provider, the secrets' credentials.
  const texts = guardSmsStore(new SmsStore(db), storeHealth);
  let smsCredentialsProblem: string | null = null;
  const idle: SmsSender = { send: async () => ({ kind: 'retry', error: 'no sms provider', retryAfterMs: null, uncertain: false }) };
  const textOutbox = smsOutbox(
    () => {
      const sms = engine.currentPlan().sms;
      const creds = sms ? smsCredentialsFromEnv(sms.provider.auth, env) : null;
      return sms && creds?.ok ? { store: texts, sms, sender: httpSmsSender(sms.provider, creds.credentials), now: () => clock.now(), log: notifyLog } : { store: texts, sms: null, sender: idle, now: () => clock.now(), log: notifyLog };
    },
    (e) => notifyLog(`sms: flush failed: ${describeError(e)}; the texts stay queued for the next flush`),
  );
  const flushTexts = async (): Promise<void> => {
    const sms = engine.currentPlan().sms;
    const creds = sms ? smsCredentialsFromEnv(sms.provider.auth, env) : null;
    // Without credentials nothing is tried (no attempt is used up): the texts wait, and one line says why.
    if (creds && !creds.ok) {
      if (smsCredentialsProblem !== creds.message) notifyLog(`sms: ${creds.message}`);
      smsCredentialsProblem = creds.message;
      return;
    }
    smsCredentialsProblem = null;
    const r = await textOutbox.flush();
    if (r.ok) for (const status of SMS_STATUSES) metrics.sms.inc({ status }, r.value[status]);
  };
  // Voicemail transcription, one at a time, after the message's own email; the engine is built on first use and again when a reload changes it.
  const transcriberFor = latestTranscriber(o.transcriber ?? createTranscriber);
  const transcripts = transcriptionQueue({
    store: voicemails,
    transcriber: transcriberFor,
    plan: () => engine.currentPlan(),
    fetchRecording: (n) => telephony.recordingFile(n),
    flush,
    clock,
    log: part('transcribe'),
    onSettled: (r) => {
      metrics.transcriptions.inc({ status: r.status });
      if (r.cpuMs !== null) metrics.transcriptionCpu.inc(r.cpuMs / 1000);
    },
  });
  // Said at start rather than at the first message: a missing program or model is fixed before a patient's message fails.
  const transcribing = [...plan.mailboxes.values()].filter((m) => m.transcribe).map((m) => m.id);
  if (transcribing.length > 0) {
    const cannot = (e: unknown) =>
      part('transcribe').error({ engine: plan.transcription.engine }, `transcription: ${plan.transcription.engine} cannot be used: ${describeError(e)}; messages of ${transcribing.join(', ')} are kept and emailed as usual, their transcripts fail until this is fixed`);
    try {
      // pocketsphinx checks its program and model and builds its language model now, not in the middle of the first message's calls.
      const t = transcriberFor(plan.transcription) as Transcriber & { prepare?: () => Promise<unknown> };
      t.prepare?.().catch(cannot);
    } catch (e) {
      cannot(e);
    }
  }
  // A leader of a pair sends Asterisk nothing once its lease is gone (a process woken from a pause).
  const lead = o.leadership;
  const engineTelephony = lead ? leaderOnly(timed.telephony, () => lead.leading()) : timed.telephony;
  if (lead) telephony.onReplaced = () => lead.replaced();
  const engine = new CallEngine({ plan, telephony: engineTelephony, store: observedStore(guarded.calls, metrics), clock, logger: callsLog, decisionTime: metrics.decision, voicemail: { store: voicemails, flush, transcribe: (id) => transcripts.add(id) }, sms: { store: texts, flush: flushTexts }, onCallback: () => void hooks.run() });
  // Calls that arrived while the store failed are recorded once it takes writes again.
  storeHealth.whenOk(() => void engine.catchUp());
  const jobs = startJobs({ plan: () => engine.currentPlan(), store, voicemails, telephony, now: () => clock.now(), log: lineLog(part('scheduler')) }, jobZone(plan, part('scheduler')));
  telephony.handler = (e) => {
    if (e.type === 'call-arrived') {
      timed.arrived(e.channel);
      // Debug only (the caller's number, cut to its last 4 digits by the redactor, is patient data).
      callsLog.debug({ channel: e.channel, did: e.did, caller: e.caller }, `call arrived on ${e.did} from ${e.caller || 'a withheld number'}, channel ${e.channel}`);
    }
    engine.handle(e);
    if (e.type === 'hangup') timed.gone(e.channel);
  };
  // Prompts are checked at every connect (Asterisk may have restarted with other sounds) and reload.
  const prompts = new PromptMonitor(new AriSounds({ url: pbx.soundsUrl, user: ariUser, password: ariPassword }), lineLog(part('prompts')), () => clock.now());
  telephony.onConnected = async () => {
    void prompts.check(engine.currentPlan());
    // Transcriptions a stop interrupted (or that waited for Asterisk) need the recordings: queued once ARI is there.
    transcripts.resume();
    const before = engine.mark();
    const inv = await telephony.inventory();
    engine.reconcile(inv, (ch) => telephony.adoptCaller(ch), before);
  };
  let connectedBefore = false;
  telephony.onState = (s) => {
    if (s === 'connected' && connectedBefore) metrics.ariReconnects.inc();
    if (s === 'connected') connectedBefore = true;
    if (s === 'disconnected' && connectedBefore) ariLog.warn({ state: s }, `ARI ${s}`);
    else ariLog.info({ state: s }, `ARI ${s}`);
  };
  // Presence from the phones (AMI), when AMI credentials are in the environment or the secrets file.
  const ami = buildPresence(asteriskNodes, env, phonesOf(plan), (agent, presence) => engine.agentPresence(agent, presence), lineLog(part('ami')));
  // Messages callers left in the failsafe box while the engine was down: read at every AMI connect and change.
  const failsafe = ami
    ? watchFailsafeBox({ box: { messages: () => ami.mailboxSummary(FAILSAFE_BOX), onChange: (fn) => ami.watchMailbox(FAILSAFE_BOX, fn) }, store: voicemails, plan: () => engine.currentPlan(), now: () => clock.now(), log: notifyLog, flush })
    : null;
  if (!ami && plan.failsafe) log('warning: failsafe.email is set but AMI is not (ASTERISK_AMI_PASSWORD): messages left in the failsafe box are not noticed; only *97 plays them');
  // Emails, webhooks and texts not delivered are retried with backoff (the queues decide what is due),
  // and the failsafe box is read again, on the engine's clock; cancelled with every engine timer on stop.
  const retryDelivery = () => {
    void outbox.run();
    void hooks.run();
    void flushTexts();
    if (ami?.health().state === 'connected') void failsafe?.check();
    // Pending transcriptions (a voicemail held while the store failed, one that waited for Asterisk); not while writes fail, or one would be redone every 30 s.
    if (telephony.connection() === 'connected' && !storeHealth.writesFailing()) transcripts.resume();
    clock.after(30_000, retryDelivery);
  };
  clock.after(30_000, retryDelivery);
  // Texts left queued by the last run (a provider down, a stop) are due now.
  void flushTexts();
  ami?.start();
  log(`config ${plan.version} loaded from ${o.config}; database ${storeName(o.database)}; connecting to ${pbx.where} as ${ariUser}, application ${o.app}; cron jobs in ${jobs.zone()}`);
  // The one reload path, for SIGHUP and the admin API alike: loadPlan never throws, and every
  // problem is logged, so a bad config (even an alias typo) leaves the running one in place.
  const reload = (): { ok: true; version: string } | { ok: false; problems: string[] } => {
    try {
      return reloadFrom(loadPlan(o.config));
    } catch (e) {
      const problem = `reload failed: ${(e as Error).message}; config ${engine.currentPlan().version} stays`;
      configLog.error({ err: e }, problem);
      return { ok: false, problems: [problem] };
    }
  };
  const reloadFrom = (next: LoadResult): { ok: true; version: string } | { ok: false; problems: string[] } => {
    for (const w of next.warnings) configLog.warn(`reload: ${formatProblem(w)}`);
    if (!next.plan) {
      const problems = next.problems.map(formatProblem);
      for (const p of problems) configLog.error({ problem: p }, `reload: ${p}`);
      configLog.error({ problems: problems.length }, `reload rejected: ${problems.length} problem(s); config ${engine.currentPlan().version} stays`);
      return { ok: false, problems };
    }
    engine.setPlan(next.plan);
    ami?.setAgents(phonesOf(next.plan));
    jobs.setZone(jobZone(next.plan, part('scheduler')));
    void prompts.check(next.plan);
    configLog.info({ version: next.plan.version }, `config ${next.plan.version} loaded; calls in progress finish on the config they started with`);
    return { ok: true, version: next.plan.version };
  };
  const shutdown = async () => {
    fileWatch.stop();
    engine.stop();
    transcripts.stop();
    ami?.stop();
    jobs.stop();
    telephony.stop();
    clock.cancelAll();
    writes.stop();
    await checkpoints.stop();
    db.close();
  };
  let admin: AdminServer | null = null;
  if (o.adminToken) {
    const at = adminAt;
    // STOP and START replies write the opt-out list unguarded: a write that fails answers 500 and is logged, never dropped silently.
    const sms = smsWebhookToken ? { smsWebhookToken, smsOptOuts: new SmsStore(db) } : {};
    const role = lead ? { role: 'leader', engine: lead.holder, lease: lead.leaseName, epoch: lead.epoch } : {};
    const deps = { engine, token: o.adminToken, reload, metrics, log: part('admin'), health: () => ({ ari: telephony.connection(), ami: ami ? ami.health().state : null, ...role, ...(asteriskNodes ? { nodes: pbx.nodes() } : {}) }), store: () => storeHealth.report(), prompts: () => prompts.report(), ...sms };
    try {
      admin = await startAdmin(wallboardToken ? { ...deps, wallboardToken } : deps, at.host, at.port);
    } catch (e) {
      // Nothing may keep running (cron, AMI, the database) when the start fails: the process must exit.
      await shutdown();
      throw e;
    }
    log(`admin API on ${admin.url}`);
  }
  await telephony.start();
  return {
    engine,
    admin,
    reload,
    store,
    storeHealth,
    telephony,
    prompts,
    logger,
    metrics,
    get zone() {
      return jobs.zone();
    },
    transcripts,
    connection: () => telephony.connection(),
    halt: () => {
      engine.stop();
      telephony.stop();
      ami?.stop();
    },
    stop: async () => {
      await admin?.close();
      await shutdown();
    },
  };
}
