/**
 * Issue 4, voicemail to email and callback capture live: the engine as `pbx-router run` builds it
 * against the fake Asterisk 22, its mailer on a real SMTP server on loopback. Voicemail with the
 * WAV attached (the bytes Asterisk stored) and notification only; callback deadlines at the site's
 * next opening, skipping weekends without hours and public holidays.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import type { Live } from './scenarios/live-harness.js';
import { nothingLeft, played, recipients, removeVariants, startAfterHours, variant, voicemails, type AfterHours } from './scenarios/after-hours.js';
import { CALLER, MAIN } from './support/numbers.js';

let env: AfterHours | null = null;
let server: Server | null = null;
afterEach(async () => {
  await env?.stop();
  env = null;
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
  removeVariants();
});

/** An after-hours caller who presses `keys` at the given ms and talks in 2-s bursts from 6 s to 40 s. */
function caller(l: Live, keys: [number, string][]) {
  const speech = Array.from({ length: 12 }, (_, i) => ({ at: 6000 + i * 3000, ms: 2000 }));
  return l.fake.placeCall({ did: MAIN, caller: CALLER, script: { dtmf: keys.map(([at, digit]) => ({ at, digit })), speech } });
}

/** Leaves a front-desk voicemail (after-hours menu, 2) and returns it with its email. */
async function frontDeskVoicemail(e: AfterHours) {
  const l = e.live;
  const call = caller(l, [[3000, '2']]);
  await l.until('the call to end', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 120_000);
  expect(l.run.store.callByChannel(call.channelId)).toMatchObject({ outcome: 'voicemail', target: 'front-desk' });
  const [vm] = voicemails(l);
  const mail = await l.until('the email', () => e.smtp.received[0], 30_000);
  expect(recipients(mail)).toEqual(['frontdesk@riverside-clinic.example']);
  expect(mail.subject).toBe(`Voicemail ${vm!.id} for Front desk from ${CALLER} (${vm!.duration} s)`);
  expect(mail.text).toMatch(/When: {6}Tue 24 Nov 2026 at 19:0\d CST/);
  expect(mail.text).toContain('Reason:    menu keys 2');
  expect(played(l, call.channelId)).toEqual(expect.arrayContaining(['sound:vm-intro', 'sound:beep', 'sound:vm-goodbye']));
  await nothingLeft(l);
  return { vm: vm!, mail };
}

describe('live voicemail to email', () => {
  it('the caller hangs up while recording: the message is kept and emailed, nothing is left', async () => {
    env = await startAfterHours({ at: '2026-11-24T19:00' });
    const l = env.live;
    const call = l.fake.placeCall({ did: MAIN, caller: CALLER, script: { dtmf: [{ at: 3000, digit: '2' }], speech: [{ at: 8000, ms: 12_000 }], hangupAfter: 22_000 } });
    await l.until('the call to end', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 60_000);
    expect(l.run.store.callByChannel(call.channelId)!.outcome).toBe('voicemail');
    const [vm] = voicemails(l);
    expect(vm!.duration).toBeGreaterThanOrEqual(10);
    const mail = await l.until('the email', () => env!.smtp.received[0], 30_000);
    expect(mail.subject).toBe(`Voicemail ${vm!.id} for Front desk from ${CALLER} (${vm!.duration} s)`);
    expect(played(l, call.channelId)).not.toContain('sound:vm-goodbye');
    await nothingLeft(l);
  });

  it('notification only (the default): no audio in the email, which names `pbx-router voicemail get <id>`', async () => {
    env = await startAfterHours({ at: '2026-11-24T19:00' });
    const { vm, mail } = await frontDeskVoicemail(env);
    expect(vm).toMatchObject({ mailbox: 'front-desk', caller: CALLER, did: MAIN, site: 'riverside', urgent: false });
    expect(vm.duration).toBeGreaterThanOrEqual(25);
    expect(mail.attachments).toHaveLength(0);
    expect(mail.text).toContain(`Fetch it on the clinic server with:\n  pbx-router voicemail get ${vm.id}`);
    // The recording stays in Asterisk, where `voicemail get` fetches it.
    expect(env.live.fake.storedRecording(vm.recording)?.subarray(0, 4).toString()).toBe('RIFF');
  });

  it('attachAudio true: the attached WAV is byte for byte the recording Asterisk stored', async () => {
    env = await startAfterHours({ at: '2026-11-24T19:00', config: variant({ 'mailboxes.front-desk.attachAudio': true }) });
    const { vm, mail } = await frontDeskVoicemail(env);
    expect(mail.attachments).toHaveLength(1);
    const [wav] = mail.attachments;
    expect(wav).toMatchObject({ contentType: 'audio/wav', filename: `voicemail-${vm.id}.wav` });
    const fake = env.live.fake;
    const res = await fetch(`${fake.url}/ari/recordings/stored/${vm.recording}/file`, { headers: { authorization: `Basic ${Buffer.from(`${fake.user}:${fake.password}`).toString('base64')}` } });
    expect(res.status).toBe(200);
    const stored = Buffer.from(await res.arrayBuffer());
    expect(stored.equals(fake.storedRecording(vm.recording)!)).toBe(true);
    expect(Buffer.compare(wav!.content, stored)).toBe(0);
    expect(mail.text).toContain('The recording is attached (WAV).');
    expect(mail.text).not.toContain('voicemail get');
  });
});

describe('live callback capture', () => {
  const local = (ms: number | null) => (ms === null ? null : DateTime.fromMillis(ms, { zone: 'America/Chicago' }).toFormat('ccc yyyy-LL-dd HH:mm'));

  /** After-hours menu 3, 1 (confirms the caller id) while the number is read back, reason 2 (records request). */
  async function callback(e: AfterHours) {
    const l = e.live;
    const call = caller(l, [[3000, '3'], [7000, '1'], [11_000, '2']]);
    await l.until('the call to end', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 60_000);
    const c = l.run.store.callByChannel(call.channelId)!;
    expect(c.outcome).toBe('callback');
    const [cb] = l.run.store.callbacks(true);
    expect(cb).toMatchObject({ callId: c.id, list: 'callbacks', number: CALLER, reason: 'records-request', site: 'riverside' });
    // The 1 comes while the number is read back (one digit sound each): that prompt stops at once,
    // so "press 1 or 2" is never heard and the reasons are; the 2 stops the reasons.
    const media = played(l, call.channelId);
    const confirm = media.indexOf('sound:pbx-router/callback-we-will-call');
    expect(media.slice(confirm, confirm + 3)).toEqual(['sound:pbx-router/callback-we-will-call', 'sound:digits/5', 'sound:digits/1']);
    expect(media).not.toContain('sound:pbx-router/callback-press-1-or-2');
    expect(media.slice(-2)).toEqual([expect.stringMatching(/^sound:(pbx-router\/reason-|digits\/)/), 'sound:pbx-router/callback-thank-you']);
    expect(media).toContain('sound:pbx-router/callback-choose-reason');
    expect(l.fake.calls().length).toBe(1);
    await nothingLeft(l);
    return cb!;
  }

  it('a webhook added by a reload is used for the next request: POSTed as JSON to the new URL', async () => {
    const posts: unknown[] = [];
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        posts.push(JSON.parse(body));
        res.writeHead(201).end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`;
    const file = variant({});
    env = await startAfterHours({ at: '2026-11-25T18:00', config: file });
    writeFileSync(file, readFileSync(variant({ 'callbacks.callbacks.webhook': url }), 'utf8'));
    expect(env.live.run.reload().ok).toBe(true);
    const cb = await callback(env);
    await env.live.until('the webhook POST', () => posts.length > 0, 30_000);
    expect(posts).toEqual([{ id: cb.id, list: 'callbacks', number: CALLER, reason: 'records-request', site: 'riverside', createdAt: expect.any(String), deadline: '2026-11-27T14:00:00.000Z' }]);
  });

  it('Friday 18:00 at a clinic without Saturday hours: due at Monday 08:00', async () => {
    env = await startAfterHours({ at: '2026-11-20T18:00', config: variant({ 'schedules.riverside-hours.weekly.sat': undefined }) });
    expect(local((await callback(env)).deadline)).toBe('Mon 2026-11-23 08:00');
  });

  it('Friday 18:00 with the example config, open Saturday 09:00-12:00: due at Saturday 09:00', async () => {
    env = await startAfterHours({ at: '2026-11-20T18:00' });
    expect(local((await callback(env)).deadline)).toBe('Sat 2026-11-21 09:00');
  });

  it('the evening before Thanksgiving (Wednesday 2026-11-25 18:00): the deadline skips the holiday', async () => {
    env = await startAfterHours({ at: '2026-11-25T18:00' });
    expect(local((await callback(env)).deadline)).toBe('Fri 2026-11-27 08:00');
  });
});
