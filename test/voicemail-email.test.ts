import { afterEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import { startSmtp as smtpServer } from './fakes/smtp.js';
import { smtpMailer } from '../src/notify/mailer.js';
import { flushOutbox, retryDelay } from '../src/notify/outbox.js';
import { voicemailEmail } from '../src/notify/voicemail-email.js';
import { openDb } from '../src/store/db.js';
import { VoicemailStore } from '../src/store/voicemail-store.js';

/** A small real WAV: 8 kHz, 16-bit mono, a 440 Hz tone then silence. */
function wav(seconds = 1): Buffer {
  const rate = 8000;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0);
  b.writeUInt32LE(36 + n * 2, 4);
  b.write('WAVEfmt ', 8);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36);
  b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(i < n / 2 ? Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)) : 0, 44 + i * 2);
  return b;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});

const AT = DateTime.fromISO('2026-11-23T19:05', { zone: 'America/Chicago' }).toMillis();
function storeWith(attach: boolean, urgent = false) {
  const store = new VoicemailStore(openDb(':memory:'));
  const facts = { clinic: 'Riverside Family Clinic', mailbox: 'front-desk', mailboxName: 'Front desk', caller: '+15125550123', did: '+15125550100', site: 'riverside', timezone: 'America/Chicago', at: AT, duration: 74, reason: 'after-hours menu: 2', urgent, attachAudio: attach };
  const id = store.add(
    { callId: null, mailbox: 'front-desk', caller: facts.caller, did: facts.did, site: 'riverside', reason: facts.reason, urgent, recording: 'vm-1', duration: 74, createdAt: AT },
    { recipients: ['frontdesk@riverside-clinic.example', 'manager@riverside-clinic.example'], attach, compose: (vmId) => voicemailEmail({ ...facts, id: vmId }) },
  );
  return { store, id };
}

describe('voicemail email over a real SMTP server', () => {
  it('notification only by default: caller, local time, length, reason and how to fetch it; no audio', async () => {
    const smtp = await smtpServer();
    closers.push(smtp.close);
    const { store, id } = storeWith(false);
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx-router@riverside-clinic.example', tls: 'required', allowSelfSigned: true });
    const r = await flushOutbox({ store, mailer, now: () => AT, fetchRecording: async () => Buffer.alloc(0) });
    expect(r).toEqual({ sent: 1, failed: 0 });
    const [m] = smtp.received;
    expect(m!.subject).toBe('Voicemail 1 for Front desk from +15125550123 (1 min 14 s)');
    expect((m!.to as { value: { address: string }[] }).value.map((v) => v.address)).toEqual(['frontdesk@riverside-clinic.example', 'manager@riverside-clinic.example']);
    expect(m!.text).toContain('When:      Mon 23 Nov 2026 at 19:05 CST');
    expect(m!.text).toContain('Reason:    after-hours menu: 2');
    expect(m!.text).toContain('pbx-router voicemail get 1');
    expect(m!.attachments).toHaveLength(0);
    expect(store.outboxFor(id)[0]).toMatchObject({ attempts: 1, lastError: null });
    expect(store.pending()).toEqual([]);
  });

  it('with attachAudio the WAV bytes arrive unchanged', async () => {
    const smtp = await smtpServer();
    closers.push(smtp.close);
    const audio = wav(2);
    const { store } = storeWith(true, true);
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx@x.example', tls: 'required', allowSelfSigned: true });
    await flushOutbox({ store, mailer, now: () => AT, fetchRecording: async (name) => (name === 'vm-1' ? audio : Buffer.alloc(0)) });
    const [m] = smtp.received;
    expect(m!.subject).toMatch(/^URGENT Voicemail 1/);
    expect(m!.attachments).toHaveLength(1);
    expect(m!.attachments[0]!.contentType).toBe('audio/wav');
    expect(Buffer.compare(m!.attachments[0]!.content, audio)).toBe(0);
  });

  it('SMTP down at first: the attempt fails and is kept, retried later, then delivered; nothing lost', async () => {
    const probe = await smtpServer();
    const port = probe.port;
    await probe.close();
    const { store, id } = storeWith(false);
    const mailer = smtpMailer({ host: '127.0.0.1', port, from: 'pbx@x.example', tls: 'required', allowSelfSigned: true, timeoutMs: 2000 });
    let now = AT;
    const logs: string[] = [];
    const first = await flushOutbox({ store, mailer, now: () => now, fetchRecording: async () => Buffer.alloc(0), log: (m) => logs.push(m) });
    expect(first).toEqual({ sent: 0, failed: 1 });
    expect(store.pending()).toHaveLength(1);
    expect(store.pending()[0]).toMatchObject({ attempts: 1, nextAttempt: AT + retryDelay(1) });
    expect(store.pending()[0]!.lastError).toMatch(/ECONNREFUSED/);
    expect(logs[0]).toMatch(/not delivered, attempt 1/);
    // Not due yet: nothing is tried.
    expect(await flushOutbox({ store, mailer, now: () => now + 1000, fetchRecording: async () => Buffer.alloc(0) })).toEqual({ sent: 0, failed: 0 });
    const smtp = await smtpServer(port);
    closers.push(smtp.close);
    now = AT + retryDelay(1);
    expect(await flushOutbox({ store, mailer, now: () => now, fetchRecording: async () => Buffer.alloc(0) })).toEqual({ sent: 1, failed: 0 });
    expect(smtp.received).toHaveLength(1);
    expect(store.outboxFor(id)[0]).toMatchObject({ attempts: 2, sentAt: now });
    expect(store.get(id)).toMatchObject({ recording: 'vm-1', purgedAt: null });
  });

  it('TLS is required unless turned off: a server without STARTTLS is refused, and accepted with tls off', async () => {
    const smtp = await smtpServer(0, { disabledCommands: ['STARTTLS'] });
    closers.push(smtp.close);
    const { store } = storeWith(false);
    const strict = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx@x.example', tls: 'required', allowSelfSigned: true });
    const r = await flushOutbox({ store, mailer: strict, now: () => AT, fetchRecording: async () => Buffer.alloc(0) });
    expect(r.failed).toBe(1);
    expect(store.pending()[0]!.lastError).toMatch(/STARTTLS|TLS/i);
    const plain = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx@x.example', tls: 'off' });
    const later = await flushOutbox({ store, mailer: plain, now: () => AT + retryDelay(1), fetchRecording: async () => Buffer.alloc(0) });
    expect(later.sent).toBe(1);
    expect(smtp.received).toHaveLength(1);
  });

  it('retry delays grow and are capped at 30 minutes', () => {
    expect([1, 2, 3, 4, 10, 20].map(retryDelay)).toEqual([30_000, 60_000, 120_000, 240_000, 1_800_000, 1_800_000]);
  });
});
