/**
 * The only place where adapters are built and wired: config -> plan, SQLite store, ARI telephony,
 * call engine. `pbx-router run` calls startEngine(); tests and the demo call it with a fake Asterisk.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { AmiPresence } from './asterisk/ami-presence.js';
import { startAdmin, type AdminServer } from './http/admin.js';
import { AriTelephony, type ConnectionState } from './asterisk/ari-telephony.js';
import { AriSounds } from './asterisk/ari-sounds.js';
import { PromptMonitor } from './prompts/monitor.js';
import { CallEngine, type HandoffHandler } from './calls/call-engine.js';
import { systemClock, trackedClock, type Clock } from './calls/clock.js';
import { loadPlan, type LoadResult } from './config/index.js';
import type { Plan } from './routing/types.js';
import { formatProblem } from './config/load.js';
import cron from 'node-cron';
import { destinations } from './calls/handoffs.js';
import { purgeVoicemails } from './scheduler/retention.js';
import { logHandoffs } from './scheduler/handoffs.js';
import { smtpMailer, smtpSettingsFromEnv, type Mailer } from './notify/mailer.js';
import { flushOutbox } from './notify/outbox.js';
import { flushWebhooks } from './notify/webhook.js';
import { CallStore } from './store/call-store.js';
import { startCheckpointer } from './store/checkpointer.js';
import { openDb } from './store/db.js';
import { groupWrites } from './store/write-groups.js';
import { VoicemailStore } from './store/voicemail-store.js';

export interface EngineOptions {
  readonly config: string;
  readonly ariUrl: string;
  readonly ariUser: string;
  readonly ariPassword: string;
  readonly app: string;
  readonly database: string;
  readonly clock?: Clock;
  readonly log?: (m: string) => void;
  readonly handoff?: HandoffHandler;
  readonly mailer?: Mailer;
  /** The admin API's token (PBX_ROUTER_ADMIN_TOKEN); without it the API is not started. */
  readonly adminToken?: string;
  readonly adminPort?: number;
  /** Where AMI and SMTP settings are read: the environment over the secrets file (default process.env). */
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunningEngine {
  readonly engine: CallEngine;
  readonly admin: AdminServer | null;
  /** Reloads the config file; a bad one is rejected with its problems and the running one stays. */
  reload(): { ok: true; version: string } | { ok: false; problems: string[] };
  readonly store: CallStore;
  readonly telephony: AriTelephony;
  /** Which prompts of the running config are missing on the Asterisk (checked at every connect and reload). */
  readonly prompts: PromptMonitor;
  connection(): ConnectionState;
  stop(): Promise<void>;
}

/** The SQLite database: PBX_ROUTER_DB, or var/pbx-router.sqlite under the working directory. */
export const DEFAULT_DATABASE = process.env.PBX_ROUTER_DB ?? 'var/pbx-router.sqlite';

/** Settings from the environment; the password never comes from the routing config. */
export function ariSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): { url: string; user: string; password: string | undefined; app: string } {
  return {
    url: env.ASTERISK_ARI_URL ?? env.ARI_URL ?? 'http://127.0.0.1:8088',
    user: env.ASTERISK_ARI_USER ?? env.ARI_USER ?? 'router',
    password: env.ASTERISK_ARI_PASSWORD ?? env.ARI_PASSWORD,
    app: env.ARI_APP ?? 'pbx-router',
  };
}

/** Each agent's desk phone device (e.g. PJSIP/1001) to the agent, for AMI presence. */
const phonesOf = (plan: Plan): Map<string, string> => new Map([...plan.agents.values()].map((a) => [a.endpoint, a.id]));

/** Loads the config, opens the store, connects to ARI and starts taking calls. */
export async function startEngine(o: EngineOptions): Promise<RunningEngine> {
  const log = o.log ?? ((m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`));
  const { plan, problems, warnings } = loadPlan(o.config);
  if (!plan) throw new Error(`the configuration has ${problems.length} problem(s):\n${problems.map(formatProblem).join('\n')}`);
  for (const w of warnings) log(formatProblem(w));
  if (o.database !== ':memory:') mkdirSync(dirname(o.database), { recursive: true, mode: 0o700 });
  const db = openDb(o.database);
  const checkpoints = startCheckpointer(db, o.database, log);
  // Before any statement is prepared: the stores' writes are committed once per event-loop turn.
  const writes = groupWrites(db, log);
  const store = new CallStore(db);
  // Every engine timer (menus, announcements, wrap-up...) is cancelled on stop, before the database closes.
  const clock = trackedClock(o.clock ?? systemClock());
  const telephony = new AriTelephony({ url: o.ariUrl, user: o.ariUser, password: o.ariPassword, app: o.app }, log, () => clock.now());
  const voicemails = new VoicemailStore(db);
  const env = o.env ?? process.env;
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
  let flushing: Promise<unknown> = Promise.resolve();
  const flush = () => (flushing = flushing.then(() => flushOutbox({ store: voicemails, mailer, now: () => clock.now(), fetchRecording: (n) => telephony.recordingFile(n), log })));
  const handoff = o.handoff ?? destinations({ telephony, voicemails, now: () => clock.now(), flush, log });
  let webhooks: Promise<unknown> = Promise.resolve();
  // The running plan, not the one loaded at start: a reload may add or change a list's webhook.
  const flushHooks = () => (webhooks = webhooks.then(() => flushWebhooks(store, engine.currentPlan(), () => clock.now(), log)));
  const engine = new CallEngine({ plan, telephony, store, clock, log, handoff, onCallback: () => void flushHooks().catch(() => {}) });
  // Emails that could not be sent are retried with backoff; the outbox decides what is due.
  const outboxTimer = setInterval(() => {
    void flush().catch((e: Error) => log(`outbox: ${e.message}`));
    void flushHooks().catch((e: Error) => log(`webhooks: ${e.message}`));
  }, 30_000);
  outboxTimer.unref();
  // Every minute: log on-call handoffs that happened since the last look.
  let lastHandoffCheck = clock.now();
  const handoffLog = cron.schedule('* * * * *', () => {
    const now = clock.now();
    logHandoffs(engine.currentPlan(), lastHandoffCheck, now, store.oncallOverrides(lastHandoffCheck), log);
    lastHandoffCheck = now;
  });
  // Retention every night at 03:15 (server time): recordings past the configured days are purged.
  const retention = cron.schedule('15 3 * * *', () => {
    void purgeVoicemails(voicemails, telephony, clock.now(), engine.currentPlan().retention.voicemailDays, log);
  });
  telephony.handler = (e) => engine.handle(e);
  // Prompts are checked at every connect (Asterisk may have restarted with other sounds) and reload.
  const prompts = new PromptMonitor(new AriSounds({ url: o.ariUrl, user: o.ariUser, password: o.ariPassword }), log, () => clock.now());
  telephony.onConnected = async () => {
    void prompts.check(engine.currentPlan());
    const before = engine.mark();
    const inv = await telephony.inventory();
    engine.reconcile(inv, (ch) => telephony.adoptCaller(ch), before);
  };
  telephony.onState = (s) => log(`ARI ${s}`);
  // Presence from the phones (AMI), when AMI credentials are in the environment or the secrets file.
  const amiPassword = env.ASTERISK_AMI_PASSWORD;
  const ami = amiPassword
    ? new AmiPresence(
        { host: env.ASTERISK_AMI_HOST ?? '127.0.0.1', port: Number(env.ASTERISK_AMI_PORT ?? 5038), user: env.ASTERISK_AMI_USER ?? 'router', password: amiPassword },
        phonesOf(plan),
        (agent, presence) => engine.agents.presence(agent, presence),
        log,
      )
    : null;
  ami?.start();
  log(`config ${plan.version} loaded from ${o.config}; database ${o.database}; connecting to ${o.ariUrl} as ${o.ariUser}, application ${o.app}`);
  // The one reload path, for SIGHUP and the admin API alike: loadPlan never throws, and every
  // problem is logged, so a bad config (even an alias typo) leaves the running one in place.
  const reload = (): { ok: true; version: string } | { ok: false; problems: string[] } => {
    try {
      return reloadFrom(loadPlan(o.config));
    } catch (e) {
      const problem = `reload failed: ${(e as Error).message}; config ${engine.currentPlan().version} stays`;
      log(problem);
      return { ok: false, problems: [problem] };
    }
  };
  const reloadFrom = (next: LoadResult): { ok: true; version: string } | { ok: false; problems: string[] } => {
    for (const w of next.warnings) log(`reload: ${formatProblem(w)}`);
    if (!next.plan) {
      const problems = next.problems.map(formatProblem);
      for (const p of problems) log(`reload: ${p}`);
      log(`reload rejected: ${problems.length} problem(s); config ${engine.currentPlan().version} stays`);
      return { ok: false, problems };
    }
    engine.setPlan(next.plan);
    ami?.setAgents(phonesOf(next.plan));
    void prompts.check(next.plan);
    log(`config ${next.plan.version} loaded; calls in progress finish on the config they started with`);
    return { ok: true, version: next.plan.version };
  };
  const admin = o.adminToken
    ? await startAdmin({ engine, token: o.adminToken, ...(env.PBX_ROUTER_WALLBOARD_TOKEN ? { wallboardToken: env.PBX_ROUTER_WALLBOARD_TOKEN } : {}), reload, health: () => ({ ari: telephony.connection(), ami: ami ? ami.health().state : null }), prompts: () => prompts.report() }, '127.0.0.1', o.adminPort ?? 8089)
    : null;
  if (admin) log(`admin API on ${admin.url}`);
  await telephony.start();
  return {
    engine,
    admin,
    reload,
    store,
    telephony,
    prompts,
    connection: () => telephony.connection(),
    stop: async () => {
      engine.stop();
      clearInterval(outboxTimer);
      await admin?.close();
      ami?.stop();
      void retention.stop();
      void handoffLog.stop();
      telephony.stop();
      clock.cancelAll();
      writes.stop();
      await checkpoints.stop();
      db.close();
    },
  };
}
