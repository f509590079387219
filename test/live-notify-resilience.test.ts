/**
 * Issue 13 (finding 3): one error while flushing the outbox must not stop later emails. The engine
 * as `pbx-router run` builds it against the fake Asterisk, its mailer on a real SMTP server on
 * loopback, its store a real SQLite file into which the test puts a trigger that fails one write.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { MailMessage, Mailer } from '../src/notify/mailer.js';
import { smtpMailer } from '../src/notify/mailer.js';
import { openDb } from '../src/store/db.js';
import { startSmtp, type TestSmtp } from './fakes/smtp.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { removeVariants, voicemails } from './scenarios/after-hours.js';
import { CALLER, MAIN } from './support/numbers.js';

let live: Live | null = null;
let smtp: TestSmtp | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
  await smtp?.close();
  smtp = null;
  removeVariants();
});

/** An after-hours caller who presses 2 (front-desk voicemail) and talks for a while. */
function voicemailCall(l: Live, caller = CALLER) {
  const speech = Array.from({ length: 5 }, (_, i) => ({ at: 6000 + i * 3000, ms: 2000 }));
  return l.fake.placeCall({ did: MAIN, caller, script: { dtmf: [{ at: 3000, digit: '2' }], speech } });
}

const loopback = (port: number) => smtpMailer({ host: '127.0.0.1', port, from: 'pbx-router@riverside-clinic.example', tls: 'required', allowSelfSigned: true, timeoutMs: 2000 });

describe('email outbox survives errors, live', () => {
  it('the store fails once while marking an email failed: the error is logged once and the next voicemail email is still sent', async () => {
    smtp = await startSmtp();
    const real = loopback(smtp.port);
    let sends = 0;
    // The first send is refused (a mail server hiccup); the outbox then records the failure.
    const mailer: Mailer = {
      send: (m: MailMessage) => (++sends === 1 ? Promise.reject(new Error('451 try again later')) : real.send(m)),
    };
    live = await startLive({ at: '2026-11-24T19:00', mailer });
    const l = live;
    // Recording that first failure fails once in SQLite itself (as a full disk or a locked file would).
    const db = openDb(l.database);
    db.exec(`CREATE TRIGGER fail_marking_once BEFORE UPDATE OF last_error ON outbox WHEN OLD.id = 1 AND NEW.last_error IS NOT NULL
      BEGIN SELECT RAISE(ABORT, 'injected: disk I/O error while marking'); END`);
    db.close();

    const first = voicemailCall(l);
    await l.until('the first call to end', () => l.run.store.callByChannel(first.channelId)?.state === 'ended', 120_000);
    await l.until('the failed flush logged', () => l.logs.some((m) => m.includes('injected: disk I/O error while marking')), 30_000);
    expect(smtp.received).toHaveLength(0);

    const second = voicemailCall(l, '+15125550124');
    await l.until('the second call to end', () => l.run.store.callByChannel(second.channelId)?.state === 'ended', 120_000);
    const [vm2, vm1] = voicemails(l);
    // The next flush sends both: the second message's email and the first, still due.
    await l.until('both emails', () => smtp!.received.length >= 2, 30_000);
    expect(smtp.received.map((m) => m.subject).sort()).toEqual([
      `Voicemail ${vm1!.id} for Front desk from ${CALLER} (${vm1!.duration} s)`,
      `Voicemail ${vm2!.id} for Front desk from +15125550124 (${vm2!.duration} s)`,
    ]);
    // Logged once, with its cause; not repeated by the later flush.
    expect(l.logs.filter((m) => m.includes('injected: disk I/O error while marking'))).toHaveLength(1);
  });

  it('SMTP down when the message is left, back later: the email waits in the outbox and is sent by the retry', async () => {
    const probe = await startSmtp();
    const port = probe.port;
    await probe.close();
    live = await startLive({ at: '2026-11-24T19:00', mailer: loopback(port) });
    const l = live;
    const call = voicemailCall(l);
    await l.until('the call to end', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 120_000);
    await l.until('the failed attempt logged', () => l.logs.some((m) => /email 1 \(voicemail 1\) not delivered, attempt 1: .*ECONNREFUSED/.test(m)), 30_000);
    smtp = await startSmtp(port);
    // The outbox retries after 30 s, then 60 s... of the engine's clock.
    const mail = await l.until('the email after SMTP is back', () => smtp!.received[0], 300_000);
    const [vm] = voicemails(l);
    expect(mail.subject).toBe(`Voicemail ${vm!.id} for Front desk from ${CALLER} (${vm!.duration} s)`);
    await l.sleep(100_000);
    expect(smtp.received).toHaveLength(1);
  });
});
