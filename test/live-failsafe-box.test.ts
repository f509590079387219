/**
 * Issue 13 (finding 5): messages callers left in the failsafe box (VoiceMail(100@default) in the
 * dialplan) while the engine was down are noticed through AMI when the engine is up, stored like
 * any voicemail and emailed once to `failsafe.email`. The engine as `pbx-router run` builds it,
 * against the fake Asterisk and the fake AMI (VoicemailBoxSummary and MessageWaiting as Asterisk
 * 22.10.1 sends them), its mailer on a real SMTP server on loopback, its store a real SQLite file.
 */
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAmi } from './fakes/fake-ami.js';
import { recipients, removeVariants, startAfterHours, variant, voicemails, type AfterHours } from './scenarios/after-hours.js';

let env: AfterHours | null = null;
let ami: FakeAmi | null = null;
afterEach(async () => {
  await env?.stop();
  env = null;
  await ami?.stop();
  ami = null;
  removeVariants();
});

const BOX = '100@default';
const chicago = (iso: string) => DateTime.fromISO(iso, { zone: 'America/Chicago' }).toMillis();

async function start(config?: string) {
  ami = new FakeAmi();
  const port = await ami.start();
  const amiEnv = { ASTERISK_AMI_HOST: '127.0.0.1', ASTERISK_AMI_PORT: String(port), ASTERISK_AMI_USER: 'router', ASTERISK_AMI_PASSWORD: 'ami-secret' };
  env = await startAfterHours({ at: '2026-11-24T19:00', env: amiEnv, ...(config ? { config } : {}) });
  return env;
}

const summaries = (a: FakeAmi) => a.actions.filter((x) => x.action?.toLowerCase() === 'voicemailboxsummary').length;

describe('the failsafe voicemail box, watched through AMI', () => {
  it('two messages left while the engine was down: two emails, once each, also after a restart; a new message while running is emailed', async () => {
    const amiLater = new FakeAmi();
    ami = amiLater;
    // Left while the engine was down (one already heard with *97, now in Old: not news).
    ami.leaveVoicemail(BOX, { callerId: '"Jane Doe" <+15125550123>', at: chicago('2026-11-24T17:05:03'), duration: 42 });
    ami.leaveVoicemail(BOX, { callerId: '+15125550124', at: chicago('2026-11-24T17:40:00'), duration: 75, folder: 'Urgent' });
    ami.leaveVoicemail(BOX, { callerId: '+15125550125', at: chicago('2026-11-23T09:00:00'), duration: 12, folder: 'Old' });
    const port = await ami.start();
    const amiEnv = { ASTERISK_AMI_HOST: '127.0.0.1', ASTERISK_AMI_PORT: String(port), ASTERISK_AMI_USER: 'router', ASTERISK_AMI_PASSWORD: 'ami-secret' };
    env = await startAfterHours({ at: '2026-11-24T19:00', env: amiEnv });
    const l = env.live;
    const smtp = env.smtp;

    await l.until('two emails', () => smtp.received.length >= 2, 60_000);
    const byCaller = (n: string) => smtp.received.find((m) => m.subject?.includes(n));
    const jane = byCaller('+15125550123')!;
    const urgent = byCaller('+15125550124')!;
    const stored = voicemails(l);
    expect(stored.map((v) => ({ mailbox: v.mailbox, caller: v.caller, duration: v.duration, urgent: v.urgent, createdAt: v.createdAt, callId: v.callId }))).toEqual([
      { mailbox: 'failsafe', caller: '+15125550124', duration: 75, urgent: true, createdAt: chicago('2026-11-24T17:40:00'), callId: null },
      { mailbox: 'failsafe', caller: '+15125550123', duration: 42, urgent: false, createdAt: chicago('2026-11-24T17:05:03'), callId: null },
    ]);
    const janeVm = stored.find((v) => v.caller === '+15125550123')!;
    expect(jane.subject).toBe(`Voicemail ${janeVm.id} in the failsafe box from +15125550123 (42 s)`);
    expect(recipients(jane)).toEqual(['frontdesk@riverside-clinic.example']);
    expect(jane.text).toContain('From:      "Jane Doe" <+15125550123>');
    expect(jane.text).toContain('When:      Tue 24 Nov 2026 at 17:05 CST');
    expect(jane.text).toContain('while pbx-router was down');
    expect(jane.text).toContain('dial *97');
    expect(jane.attachments).toHaveLength(0);
    expect(urgent.subject).toMatch(/^URGENT Voicemail \d+ in the failsafe box from \+15125550124 \(1 min 15 s\)$/);
    expect(byCaller('+15125550125')).toBeUndefined();

    // Restarted: the box is read again at the new AMI login, and nothing is sent twice.
    const before = summaries(ami);
    await l.restart();
    await l.until('the box read after the restart', () => summaries(amiLater) > before, 60_000);
    await l.sleep(20_000);
    expect(smtp.received).toHaveLength(2);
    expect(voicemails(l)).toHaveLength(2);

    // A message left while the engine runs (a call the engine handed to the failsafe): MessageWaiting.
    ami.leaveVoicemail(BOX, { callerId: '<+15125550126>', at: l.fake.now(), duration: 20 });
    const third = await l.until('the third email', () => smtp.received[2], 60_000);
    expect(third.subject).toMatch(/^Voicemail \d+ in the failsafe box from \+15125550126 \(20 s\)$/);
    await l.sleep(40_000);
    expect(smtp.received).toHaveLength(3);
    expect(voicemails(l)).toHaveLength(3);
  });

  it('no failsafe recipients in the config: the box is not read and nothing is stored', async () => {
    const e = await start(variant({ failsafe: undefined }));
    ami!.leaveVoicemail(BOX, { callerId: '+15125550123', at: chicago('2026-11-24T17:05:03'), duration: 42 });
    await e.live.sleep(40_000);
    expect(e.smtp.received).toHaveLength(0);
    expect(voicemails(e.live)).toHaveLength(0);
    expect(summaries(ami!)).toBe(0);
  });
});
