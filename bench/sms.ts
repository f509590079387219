/**
 * SMS benchmark: CPU and wall time per text to a caller, over the path a text takes in the engine
 * as `run` wires it (src/main.ts, src/calls/sms-effects.ts): may this caller get it (the hourly
 * count and the opt-out read from SQLite, smsEligibility), the text in the caller's language
 * (smsText, {nextOpening} worked out from the schedule), the row queued in `sms_outbox`, then
 * the outbox flush (due, claim, one POST through httpSmsSender with basic auth and a form body,
 * the provider's answer, sent with its id). The database is a real file opened as `run` opens it:
 * WAL, writes grouped per event-loop turn, checkpoints in a worker thread. The provider is the
 * loopback fake (Twilio's answers) in a child process, so the CPU measured is the engine side's
 * (this process, all threads). Not included: the call's event row and log line for the text.
 *
 * Texts go one after another, each flushed before the next is asked for, as when callers press
 * the offer's key one at a time; the figures are after 50 texts of warm-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadPlan } from '../src/config/index.js';
import { textLogger } from '../src/logging/logger.js';
import { smsOutbox } from '../src/notify/sms-outbox.js';
import { httpSmsSender, smsCredentialsFromEnv } from '../src/notify/sms-provider.js';
import { SMS_LIMIT_WINDOW_MS, smsEligibility, smsText } from '../src/routing/sms-eligibility.js';
import { startCheckpointer } from '../src/store/checkpointer.js';
import { openDb } from '../src/store/db.js';
import { guardSmsStore } from '../src/store/guarded-store.js';
import { SmsStore } from '../src/store/sms-store.js';
import { StoreHealth } from '../src/store/store-health.js';
import { groupWrites } from '../src/store/write-groups.js';
import { spawnPeer } from './load-ipc.js';
import { summarize, type Summary } from './load-stats.js';

export interface SmsBenchFigures {
  readonly texts: number;
  readonly sent: number;
  /** Texts the loopback provider accepted (warm-up included). */
  readonly providerReceived: number;
  readonly seconds: number;
  readonly per_second: number;
  /** This process's CPU (user + system, every thread) per text. */
  readonly cpu_ms_per_text: number;
  readonly wall_ms_per_text: number;
  /** Wall time of each text from asking to sent, ms. */
  readonly latency: Summary;
  /** The loopback provider's own CPU per text (its child process), for scale. */
  readonly provider_cpu_ms_per_text: number;
  /** The machine's 1-minute load average at the end: other processes share the cores. */
  readonly load_average: number;
}

const CONFIG = 'config/example-clinic.yaml';
const WARM_UP = 50;

/** Runs `texts` texts through the real path to the loopback provider and returns the figures. */
export async function runSmsBench(texts = 1000): Promise<SmsBenchFigures> {
  const plan = loadPlan(CONFIG).plan;
  if (!plan?.sms) throw new Error(`${CONFIG} has no sms: section`);
  const env = { SMS_PROVIDER_USER: 'ACbench0000000000000000000000000', SMS_PROVIDER_PASSWORD: 'bench-auth-token' };
  const peer = spawnPeer('./sms-provider-process.ts');
  const dir = mkdtempSync(join(tmpdir(), 'pbx-bench-sms-'));
  const database = join(dir, 'calls.sqlite');
  try {
    const url = await peer.call<string>('start', { style: 'twilio', auth: { basic: { user: env.SMS_PROVIDER_USER, password: env.SMS_PROVIDER_PASSWORD } }, idempotencyHeader: plan.sms.provider.idempotencyHeader });
    const sms = { ...plan.sms, provider: { ...plan.sms.provider, url: plan.sms.provider.url.replace(/^https?:\/\/[^/]+/, url) } };
    const logs: string[] = [];
    const log = (m: string) => logs.push(m);
    const db = openDb(database);
    const checkpoints = startCheckpointer(db, database, log);
    const health = new StoreHealth(textLogger(log), { confirmByCommit: true });
    const writes = groupWrites(db, log, { committed: () => health.committed(), failed: (what, e, n) => health.failed(what, e, n) });
    const store = guardSmsStore(new SmsStore(db), health);
    // As main.ts: each flush takes the running plan's provider and the secrets' credentials.
    const outbox = smsOutbox(
      () => {
        const creds = smsCredentialsFromEnv(sms.provider.auth, env);
        if (!creds.ok) throw new Error(creds.message);
        return { store, sms, sender: httpSmsSender(sms.provider, creds.credentials), now: Date.now, log };
      },
      (e) => log(`flush failed: ${e.message}`),
    );
    const one = async (n: number) => {
      const caller = `+1512${String(2_000_000 + n).padStart(7, '0')}`;
      const now = Date.now();
      const history = { recentCount: store.countToNumberSince(caller, now - SMS_LIMIT_WINDOW_MS), optedOut: store.isOptedOut('riverside', caller) };
      const may = smsEligibility(plan, caller, 'book-online', history);
      if (!may.ok) throw new Error(`text ${n} refused: ${may.detail}`);
      const text = smsText(plan, 'book-online', n % 5 === 0 ? 'es' : 'en', 'riverside', now)!;
      store.queue({ callId: null, to: may.to, message: 'book-online', language: text.language, body: text.text, site: 'riverside', createdAt: now });
      const r = await outbox.flush();
      if (!r.ok || r.value.sent !== 1) throw new Error(`text ${n} not sent: ${JSON.stringify(r)} ${logs.slice(-3).join(' | ')}`);
    };
    for (let n = 0; n < WARM_UP; n++) await one(n);
    await peer.call('mark');
    const latencies: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let n = WARM_UP; n < WARM_UP + texts; n++) {
      const t = performance.now();
      await one(n);
      latencies.push(performance.now() - t);
    }
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const provider = await peer.call<{ messages: number; cpuMs: number }>('figures');
    writes.stop();
    await checkpoints.stop();
    const sent = (db.prepare(`SELECT COUNT(*) AS n FROM sms_outbox WHERE status = 'sent'`).get() as { n: number }).n - WARM_UP;
    db.close();
    const round = (v: number, d = 3) => Math.round(v * 10 ** d) / 10 ** d;
    return {
      texts,
      sent,
      providerReceived: provider.messages,
      seconds: round(wallMs / 1000, 2),
      per_second: Math.round((texts * 1000) / wallMs),
      cpu_ms_per_text: round((cpu.user + cpu.system) / 1000 / texts),
      wall_ms_per_text: round(wallMs / texts),
      latency: summarize(latencies),
      provider_cpu_ms_per_text: round(provider.cpuMs / texts),
      load_average: round(loadavg()[0]!, 2),
    };
  } finally {
    await peer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The figures as the bench prints them. */
export function formatSms(f: SmsBenchFigures): string {
  return [
    `texts to callers: ${f.texts} texts, eligibility + template + sms_outbox in SQLite + POST to a loopback Twilio-style provider + status (${CONFIG})`,
    `  ${f.cpu_ms_per_text} ms CPU per text   ${f.per_second.toLocaleString('en-US')} texts/s   wall ${f.wall_ms_per_text} ms per text (p50 ${f.latency.p50} ms, p99 ${f.latency.p99} ms)`,
    `  ${f.sent} sent, ${f.providerReceived} received by the provider (${WARM_UP} of them warm-up), whose own CPU is ${f.provider_cpu_ms_per_text} ms per text; load average ${f.load_average} on ${availableParallelism()} cores`,
    '',
  ].join('\n');
}
