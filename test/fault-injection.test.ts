/**
 * Issue 13, the fault-injection suite on the fake Asterisk: each kind of ARI request a call makes
 * times out, answers 500, or loses its socket, for one caller each, all at once in a busy minute;
 * then the event socket is cut, AMI goes away, and the engine is killed and started again while
 * callers wait. Throughout, a monitor samples every caller: one in the application, answered,
 * hearing nothing (no prompt, no music, nobody) for more than 5 s while the engine waits for no key
 * is a caller in silence. Two callers leave a voicemail while SMTP is down (it comes up later). The
 * suite prints and asserts 0 callers in silence, 0 crashes (unhandled rejections or exceptions in
 * the engine's process), 0 calls lost (every caller ends with a person, a message, the failsafe
 * dialplan, or hanging up themselves; none is left in the application) and 0 messages lost (each is
 * stored and emailed once SMTP is back).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { smtpMailer } from '../src/notify/mailer.js';
import Database from 'better-sqlite3';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import { FakeAmi } from './fakes/fake-ami.js';
import { startSmtp, type TestSmtp } from './fakes/smtp.js';
import type { InjectedFault } from './fake-asterisk/http/server.js';
import type { CallRecord } from './fake-asterisk/model/callers.js';
import type { Session } from '../src/calls/session.js';
import { startLive, type Live } from './scenarios/live-harness.js';

/** Asterisk time a caller may hear nothing while the engine waits on nothing. */
const SILENCE_LIMIT_MS = 5000;
/** The session states in which silence is the engine waiting for a key (a menu, callback digits, a clinician's key). */
const WAITING_FOR_KEYS: ReadonlySet<string> = new Set(['menu', 'callback']);
/** Silence that is the engine listening: a voicemail being recorded (the caller is the one talking). */
const listening = (l: Live, channel: string) => sessionOf(l, channel)?.outcome?.action === 'voicemail' && sessionOf(l, channel)?.state === 'voicemail';

interface Watched {
  readonly label: string;
  readonly call: CallRecord;
  silentSince: number | null;
  longestSilence: number;
}

/** The engine's session of a caller (undefined while the engine is down: its database is closed). */
function sessionOf(l: Live, channel: string): Session | undefined {
  try {
    const id = l.run.store.callByChannel(channel)?.id;
    return id ? l.run.engine.session(id) : undefined;
  } catch {
    return undefined;
  }
}

/** Samples every watched caller until stopped; counts the ones left in silence. */
function silenceMonitor(l: Live) {
  const watched: Watched[] = [];
  const timer = setInterval(() => {
    const now = l.fake.now();
    for (const w of watched) {
      const ch = w.call.channelId;
      const state = sessionOf(l, ch)?.state;
      const silent = l.fake.inStasis(ch) && w.call.answered && l.fake.hearing(ch) === 'silence' && !(state && WAITING_FOR_KEYS.has(state)) && !listening(l, ch);
      if (!silent) {
        w.silentSince = null;
        continue;
      }
      w.silentSince ??= now;
      w.longestSilence = Math.max(w.longestSilence, now - w.silentSince);
    }
  }, 50);
  return {
    watch: (label: string, call: CallRecord) => void watched.push({ label, call, silentSince: null, longestSilence: 0 }),
    inSilence: () => watched.filter((w) => w.longestSilence > SILENCE_LIMIT_MS),
    watched,
    stop: () => clearInterval(timer),
  };
}

/** Unhandled rejections and exceptions while the engine runs in this process. */
function crashCounter() {
  const seen: string[] = [];
  const onRejection = (e: unknown) => void seen.push(`unhandledRejection: ${(e as Error)?.stack ?? String(e)}`);
  const onException = (e: Error) => void seen.push(`uncaughtException: ${e.stack ?? e.message}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    seen,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}

/** Agents free again 2 s after a call (the example's 30-60 s wrap-up would make the queue the test's clock). */
function shortWrapUp(l: Live): void {
  const plan = l.run.engine.currentPlan();
  l.run.engine.setPlan({ ...plan, agents: new Map([...plan.agents].map(([id, a]) => [id, { ...a, wrapUp: 2 }])) });
}

/** A loopback port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let live: Live | null = null;
let ami: FakeAmi | null = null;
let smtp: TestSmtp | null = null;
afterEach(async () => {
  await live?.stop();
  await ami?.stop();
  await smtp?.close();
  live = ami = smtp = null;
});

/** The request kinds a caller depends on, matched on the caller's channel id (the leg's originate names it in appArgs). */
// The callers who need an agent come first: three agents serve the queue.
const KINDS = {
  'ring agent': (ch: string) => ({ method: 'POST', match: new RegExp(`^POST /ari/channels\\?.*appArgs=agent(,|%2C)${ch.replace('.', '\\.')}`) }),
  'connect agent': (ch: string) => ({ method: 'POST', match: new RegExp(`^POST /ari/bridges/pbx-call-[^/]+/addChannel\\?.*channel=${ch}`) }),
  answer: (ch: string) => ({ method: 'POST', match: new RegExp(`^POST /ari/channels/${ch}/answer`) }),
  play: (ch: string) => ({ method: 'POST', match: new RegExp(`^POST /ari/channels/${ch}/play`) }),
  'join queue': (ch: string) => ({ method: 'POST', match: new RegExp(`^POST /ari/bridges/pbx-queue-[^/]+/addChannel\\?.*channel=${ch}`) }),
} as const;
const MODES = ['timeout', 'error', 'drop'] as const;

describe('fault injection: no caller left in silence, no crash, no call lost', () => {
  it('every request kind times out, answers 500 or drops its socket; the event socket is cut; AMI goes; the engine is killed while callers wait', async () => {
    ami = new FakeAmi('router', 'ami-secret', 'reporting');
    const amiPort = await ami.start();
    // The SMTP server is down when the first messages are left; it comes up later.
    const smtpPort = await freePort();
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtpPort, from: 'pbx-router@riverside-clinic.example', tls: 'required', allowSelfSigned: true });
    // Speed 1 with 1 s request time-outs: a time-out and its retry are 2.3 s of a caller's time.
    live = await startLive({ at: '2026-11-23T10:00', speed: 1, promptMs: 1500, mailer, ariTimeouts: { requestMs: 1000, stallAfterMs: 2000 }, env: { ...process.env, ASTERISK_AMI_PASSWORD: 'ami-secret', ASTERISK_AMI_PORT: String(amiPort) } });
    const l = live;
    shortWrapUp(l);
    for (const p of ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008']) l.fake.setAgent(`PJSIP/${p}`, { answer: 800, hangupAfter: 2500 });
    const monitor = silenceMonitor(l);
    const crashes = crashCounter();
    const faults: { label: string; fault: InjectedFault; call: CallRecord }[] = [];
    try {
      // Two callers leave a prescription-refill message (menu 3) while SMTP is down.
      const messages = ['+15125554001', '+15125554002'].map((caller) => l.fake.placeCall({ did: '+15125550100', caller, script: { dtmf: [{ at: 2500, digit: '3' }], speech: [{ at: 6000, ms: 5000 }], hangupAfter: 13_000 } }));
      messages.forEach((c, i) => monitor.watch(`voicemail ${i}`, c));
      // One caller per fault: menu 1 (scheduling), an agent answers, they talk, the agent hangs up.
      let n = 0;
      for (const [kind, where] of Object.entries(KINDS)) {
        for (const mode of MODES) {
          const caller = `+1512555${String(1000 + n++).padStart(4, '0')}`;
          const call = l.fake.placeCall({ did: '+15125550100', caller, script: { dtmf: [{ at: 2500, digit: '1' }], hangupAfter: 60_000 } });
          const label = `${kind} ${mode}`;
          // Twice: the engine's one retry of a repeatable request meets the fault again.
          faults.push({ label, fault: l.fake.injectFault({ ...where(call.channelId), mode, times: 2 }), call });
          monitor.watch(label, call);
          await l.sleep(300);
        }
      }
      // A caller whose answer times out once: the retry carries the call on.
      const once = l.fake.placeCall({ did: '+15125550100', caller: '+15125552000', script: { dtmf: [{ at: 2500, digit: '1' }], hangupAfter: 60_000 } });
      const onceFault = l.fake.injectFault({ ...KINDS.answer(once.channelId), mode: 'timeout', times: 1 });
      monitor.watch('answer timeout once', once);

      // Callers who wait while the event socket is cut, AMI goes, and the engine is killed and started again.
      for (const p of ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008']) l.fake.setAgent(`PJSIP/${p}`, { answer: 800, hangupAfter: 2500 });
      const waiting: CallRecord[] = [];
      for (let i = 0; i < 4; i++) {
        const c = l.fake.placeCall({ did: '+15125550100', caller: `+15125553${String(i).padStart(3, '0')}`, script: { dtmf: [{ at: 2500, digit: '1' }], hangupAfter: 60_000 } });
        waiting.push(c);
        monitor.watch(`waiting ${i}`, c);
      }
      await l.sleep(6000);
      smtp = await startSmtp(smtpPort);
      l.fake.cutWebSocket('pbx-router', 2000);
      await ami.stop();
      await l.sleep(4000);
      await l.kill();
      await l.sleep(1500);
      await l.boot();
      shortWrapUp(l);

      // Every caller ends: with a person, in the failsafe dialplan, or by hanging up.
      await l.until('every caller out of the application', () => [...messages, ...faults.map((f) => f.call), once, ...waiting].every((c) => !l.fake.inStasis(c.channelId)), 120_000);
      // ...and the engine has written how each one ended.
      await l.until('every call ended in the store', () => [...messages, ...faults.map((f) => f.call), once, ...waiting].every((c) => l.run.store.callByChannel(c.channelId)?.state === 'ended'), 30_000).catch(() => undefined);
      const rows = [...faults.map((f) => ({ label: f.label, call: f.call, hits: f.fault.hits })), { label: 'answer timeout once', call: once, hits: onceFault.hits }, ...waiting.map((c, i) => ({ label: `waiting ${i}`, call: c, hits: 0 })), ...messages.map((c, i) => ({ label: `voicemail ${i}`, call: c, hits: 0 }))].map((r) => {
        const stored = l.run.store.callByChannel(r.call.channelId);
        const w = monitor.watched.find((x) => x.call === r.call)!;
        return { ...r, outcome: stored?.outcome ?? '(none)', longestSilenceS: Math.round(w.longestSilence / 100) / 10 };
      });
      // Every message left is stored and, SMTP back, emailed (the outbox retries on its 30 s tick).
      const left = messages.map((c) => l.run.store.callByChannel(c.channelId)!.id);
      const reader = new Database(l.database, { readonly: true });
      const stored = () => new VoicemailStore(reader).list().filter((v) => v.callId !== null && left.includes(v.callId));
      await l.until('the emails of the messages', () => (smtp!.received.length >= left.length ? true : undefined), 150_000).catch(() => undefined);
      const messagesLost = left.length - Math.min(stored().length, smtp!.received.length);
      const inSilence = monitor.inSilence();
      const lost = rows.filter((r) => !['answered', 'failsafe', 'abandoned', 'hung-up', 'wedged', 'voicemail'].includes(r.outcome));
      // What the README quotes: one line per caller, then the three numbers.
      console.log(
        [
          'fault injection (fake Asterisk 22, 1 s ARI time-outs):',
          ...rows.map((r) => `  ${r.label.padEnd(24)} fault hit ${r.hits}x   outcome ${r.outcome.padEnd(10)} longest silence ${r.longestSilenceS} s`),
          `  callers in silence > 5 s: ${inSilence.length}   crashes: ${crashes.seen.length}   calls lost: ${lost.length}   messages lost: ${messagesLost} (${stored().length} stored, ${smtp!.received.length} emailed after SMTP came back)`,
        ].join('\n'),
      );
      reader.close();
      expect(crashes.seen).toEqual([]);
      expect(inSilence.map((w) => `${w.label}: ${w.longestSilence} ms`)).toEqual([]);
      expect(lost).toEqual([]);
      expect(messagesLost).toBe(0);
      expect(rows.filter((r) => r.label.startsWith('voicemail')).map((r) => r.outcome)).toEqual(['voicemail', 'voicemail']);
      // Each fault was met (the suite tests what it says).
      for (const f of faults) expect(f.fault.hits, f.label).toBeGreaterThanOrEqual(1);
      expect(onceFault.hits).toBe(1);
      // The retry carried the caller on: answered by the engine, routed, not the failsafe.
      const onceRow = l.run.store.callByChannel(once.channelId)!;
      expect(onceRow.answeredAt).not.toBeNull();
      expect(onceRow.outcome).not.toBe('failsafe');
      // A failed request on a caller's path is on the call's log lines.
      expect(l.logs.some((x) => /failed|not responding|failsafe/.test(x))).toBe(true);
    } finally {
      monitor.stop();
      crashes.stop();
    }
  }, 240_000);
});
