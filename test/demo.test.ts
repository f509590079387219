/**
 * `npm run demo` in small: the busy hour with 30 callers on a compressed clock, the engine as
 * `pbx-router run` builds it against the fake Asterisk, voicemail emails over a real SMTP server,
 * texts to the loopback SMS provider, the nurse line's and front desk's messages transcribed by
 * pocketsphinx (installed by `pretest`), and the same hour alongside with nobody taking a text.
 * The summary's figures are checked against the store, and nothing may be left in Asterisk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { openDb } from '../src/store/db.js';
import { SmsStore } from '../src/store/sms-store.js';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import { smtpMailer } from '../src/notify/mailer.js';
import { startSmtp, type TestSmtp } from './fakes/smtp.js';
import { runBusyHour, type BusyHour } from './scenarios/busy-hour.js';
import { formatSummary } from './scenarios/busy-hour-report.js';
import { shortened, transcriptSummary } from './scenarios/busy-hour-transcripts.js';
import { busyHourScript, maskNumber } from './scenarios/busy-hour-script.js';
import { loopbackTexts, type DemoTexts } from './scenarios/demo-texts.js';
import { DEMO_TRANSCRIBED, demoTranscription } from './scenarios/demo-transcription.js';
import { demoOptions } from './scenarios/run-demo.js';

let hour: BusyHour | null = null;
let without: BusyHour | null = null;
let smtp: TestSmtp | null = null;
let texts: DemoTexts | null = null;
afterEach(async () => {
  await hour?.live.stop();
  await without?.live.stop();
  await smtp?.close();
  await texts?.close();
  hour = without = null;
  smtp = null;
  texts = null;
});

describe('the busy-hour demo', () => {
  it('the script is seeded: the same callers every run, another seed another hour', () => {
    expect(busyHourScript(50, 7)).toEqual(busyHourScript(50, 7));
    expect(busyHourScript(50, 8)).not.toEqual(busyHourScript(50, 7));
    const intents = new Set(busyHourScript(300, 7).map((c) => c.intent));
    for (const i of ['scheduling', 'billing', 'rx-refill', 'nurse', 'spanish-scheduling', 'wrong-keys', 'silent', 'urgent']) expect(intents).toContain(i);
    expect(maskNumber('+15125550123')).toBe('+1512•••0123');
    expect(maskNumber('anonymous')).toBe('withheld');
    // What each caller would say to a transcribing mailbox: seeded too, all four messages, symptoms mostly to the nurse line.
    const says = busyHourScript(300, 7).map((c) => c.says);
    expect(new Set(says)).toEqual(new Set(['chest-pain', 'bleeding', 'refill', 'appointment']));
    const nurse = busyHourScript(300, 7).filter((c) => c.intent === 'nurse');
    expect(nurse.filter((c) => c.says === 'chest-pain' || c.says === 'bleeding').length).toBeGreaterThan(nurse.length / 2);
  });

  it('without pocketsphinx the hour runs untranscribed, and the demo says how to install it', async () => {
    texts = await loopbackTexts('config/example-clinic.yaml');
    const skipped = demoTranscription(texts, { ...process.env, PATH: '/nonexistent' });
    expect(skipped).toEqual({ config: texts.config, mailboxes: [], skipped: expect.stringMatching(/^voicemail transcription skipped: pocketsphinx is not installed \(sudo apt-get install pocketsphinx pocketsphinx-en-us, or bash scripts\/ensure-pocketsphinx.sh\)$/) });
    const on = demoTranscription(texts);
    expect(on.skipped).toBeNull();
    expect(on.mailboxes).toEqual(DEMO_TRANSCRIBED);
    const plan = loadPlan(on.config).plan!;
    expect([...plan.mailboxes.values()].filter((m) => m.transcribe).map((m) => m.id)).toEqual(['front-desk', 'nurse-line']);
    expect(plan.transcription).toMatchObject({ engine: 'pocketsphinx', timeoutMs: 3_600_000, onUrgent: { email: ['oncall-pager@riverside-clinic.example'] } });
    // The example config itself transcribes nothing (every test that loads it would run pocketsphinx).
    expect([...loadPlan('config/example-clinic.yaml').plan!.mailboxes.values()].some((m) => m.transcribe)).toBe(false);
  });

  it('who takes the text offer: about 4 in 10 of the callers who would give up, only from a home-country number', () => {
    const script = busyHourScript(300, 7);
    const takers = script.filter((c) => c.text);
    const wouldGiveUp = script.filter((c) => Number.isFinite(c.patience) && /^\+1(512|737)/.test(c.caller) && c.starAfter === null);
    expect(takers.length / wouldGiveUp.length).toBeGreaterThan(0.25);
    expect(takers.length / wouldGiveUp.length).toBeLessThan(0.55);
    for (const c of takers) {
      expect(c.caller).toMatch(/^\+1(512|737)\d{7}$/);
      expect(Number.isFinite(c.patience)).toBe(true);
    }
    // Some callers withhold their number or call from abroad; none of them takes a text.
    expect(script.some((c) => c.caller === 'anonymous')).toBe(true);
    expect(script.some((c) => c.caller.startsWith('+52'))).toBe(true);
  });

  it.each([
    ['hello good on to the i have chest pain and i need to the doctor today you call me back', ['chest pain'], '... i have chest pain and i need ... call me back'],
    ["for hi to ear week like hello is bleeding a bill and he can't breathe well", ["can't breathe", 'bleeding'], "... hello is bleeding a bill and he can't breathe well"],
    ['hi i need to cancel my appointment for tomorrow please call me back', [], 'hi i need to cancel my appointment ... call me back'],
    ['i have chest pain', ['chest pain'], 'i have chest pain'],
  ])('a transcript on one line shows why it was flagged: %s', (text, urgent, line) => {
    expect(shortened(text, urgent)).toBe(line);
  });

  it("the transcripts' line: those still pending when the wait gave up, or why transcription was skipped", () => {
    const t = { mailboxes: ['nurse-line'], voicemails: 12, done: 9, failed: 1, pending: 2, engines: ['pocketsphinx'], avgCpuMs: 1450, urgent: 3, urgentWords: { 'chest pain': 2, bleeding: 1 }, emails: 10, notices: 3, gaveUpAfterMs: 120_000 };
    expect(transcriptSummary(t, { transcriptMail: ' (10 received)' })).toEqual([
      '  voicemail transcribed (nurse-line): 9 of 12 (pocketsphinx, 1.4 s CPU each on average), 1 failed, 2 still pending (given up waiting after 120 s); 3 flagged URGENT by their words (chest pain 2, bleeding 1); transcript emails 10 (10 received), 3 urgent notice(s) to transcription.onUrgent',
    ]);
    expect(transcriptSummary(null, { transcriptsSkipped: 'voicemail transcription skipped: pocketsphinx is not installed (...)' })).toEqual(['  voicemail transcription skipped: pocketsphinx is not installed (...)']);
    expect(transcriptSummary(null, {})).toEqual([]);
  });

  it('parses its options and refuses nonsense', () => {
    expect(demoOptions(['--config', 'x.yaml', '--calls', '30', '--quiet'])).toEqual({ config: 'x.yaml', calls: 30, seed: 7, speed: 75, quiet: true });
    expect(() => demoOptions(['--speed', 'fast'])).toThrow(/--speed must be a number/);
  });

  it('30 callers: every call ends, the summary matches the store, emails, texts and transcripts arrive, nothing is left in Asterisk', async () => {
    smtp = await startSmtp();
    texts = await loopbackTexts('config/example-clinic.yaml');
    const provider = texts.provider!;
    const transcription = demoTranscription(texts);
    expect(transcription.skipped).toBeNull();
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'demo@127.0.0.1', tls: 'off', timeoutMs: 5000 });
    const printedLines: string[] = [];
    // Seed 42: two of its callers leave the front desk a message before opening (the after-hours menu), one
    // about bleeding, one about an appointment, whatever the queues' timing does to the nurse line's overflow.
    const common = { config: texts.config, env: texts.env, calls: 30, seed: 42, speed: 150, hourMs: 600_000 };
    [hour, without] = await Promise.all([runBusyHour({ ...common, config: transcription.config, mailer, print: (l) => printedLines.push(l) }), runBusyHour({ ...common, takeTexts: false })]);
    const { summary, live } = hour;
    expect(hour.problems).toEqual([]);
    expect(without.problems).toEqual([]);
    // One line per call, and one per transcribed voicemail (`08:03:12  vm 3 nurse-line: "..." (0.61) URGENT: chest pain`).
    const transcriptLines = printedLines.filter((l) => /^\d\d:\d\d:\d\d {2}vm \d+ /.test(l));
    const lines = printedLines.filter((l) => !transcriptLines.includes(l));
    expect(lines).toHaveLength(30);
    // Patient data: no caller's full number is ever printed.
    for (const c of hour.calls) expect(lines.join('\n')).not.toContain(c.script.caller);
    expect(lines.join('\n')).toMatch(/\d\d:\d\d:\d\d {2}\+1(512|737)•••\d{4} {2}/);

    const records = hour.calls.map((c) => live.run.store.callByChannel(c.channelId)!);
    expect(records.every((r) => r?.state === 'ended')).toBe(true);
    expect(summary.placed).toBe(30);
    expect(summary.recorded).toBe(30);
    const outcomes: Record<string, number> = {};
    for (const r of records) outcomes[r.outcome ?? 'open'] = (outcomes[r.outcome ?? 'open'] ?? 0) + 1;
    expect(summary.outcomes).toEqual(outcomes);
    expect(summary.outcomes.answered).toBeGreaterThan(0);
    // Every answered call from a queue is an answered entry of that queue.
    const queued = records.filter((r) => r.outcome === 'answered' && ['scheduling', 'billing', 'nurse'].includes(r.target ?? ''));
    expect(summary.queues.reduce((a, q) => a + q.answered, 0)).toBe(queued.length);
    for (const q of summary.queues) expect(q.answered + q.abandoned + q.overflow + q.callback).toBe(q.entries);

    expect(summary.callbacks).toBe(live.run.store.callbacks().length);
    expect(summary.voicemails).toBeGreaterThan(0);
    expect(summary.emailsSent).toBe(summary.voicemails);
    expect(summary.emailsPending).toBe(0);
    const transcriptMails = smtp.received.filter((m) => /Transcript of voicemail \d+ for /.test(m.subject ?? ''));
    const notices = smtp.received.filter((m) => /^URGENT voicemail \d+ in /.test(m.subject ?? ''));
    expect(smtp.received).toHaveLength(summary.voicemails + transcriptMails.length + notices.length);
    expect(summary.failsafe).toBe(0);
    expect(summary.openCalls).toBe(0);
    expect(live.run.store.openCalls()).toEqual([]);
    expect([summary.channelsLeft, summary.bridgesLeft]).toEqual([0, 0]);
    expect(live.fake.channels()).toEqual([]);
    expect(live.fake.bridges()).toEqual([]);

    // The texts, call by call from the store: who heard the offer, who pressed its key, each text's status.
    const db = openDb(live.database);
    const stored = { offered: 0, asked: 0, deflected: 0, sent: 0, failed: 0, refused: 0, queued: 0, to: [] as string[] };
    try {
      const sms = new SmsStore(db);
      for (const [i, r] of records.entries()) {
        const types = live.run.store.events(r.id).map((e) => e.type);
        const texted = sms.forCall(r.id);
        if (types.includes('sms-offered')) stored.offered++;
        if (types.includes('sms-offered') && texted.length) stored.asked++;
        if (r.outcome === 'sms-deflected') stored.deflected++;
        for (const t of texted) {
          stored[t.status]++;
          if (t.status === 'sent') stored.to.push(t.to);
        }
        // Only scripted takers ask, only with their own home-country number; a deflected caller asked.
        if (texted.length) expect(hour.calls[i]!.script.text).not.toBeNull();
        if (r.outcome === 'sms-deflected') expect(texted).not.toHaveLength(0);
        if (!/^\+1(512|737)/.test(r.caller)) expect(types).not.toContain('sms-offered');
      }
    } finally {
      db.close();
    }
    expect(stored.offered).toBeGreaterThan(0);
    expect(stored.sent).toBeGreaterThan(0);
    expect(summary.texts).toMatchObject({ offered: stored.offered, asked: stored.asked, deflected: stored.deflected, sent: stored.sent, failed: stored.failed, refused: stored.refused, queued: stored.queued });
    expect(provider.messages.map((m) => m.to).sort()).toEqual(stored.to.sort());

    // The transcripts, from the store: the callers' real words, the urgent ones flagged by them.
    const vmDb = openDb(live.database);
    const vms = (() => {
      try {
        return new VoicemailStore(vmDb).list().filter((v) => DEMO_TRANSCRIBED.includes(v.mailbox));
      } finally {
        vmDb.close();
      }
    })();
    expect(vms.length).toBeGreaterThan(1);
    const said = (v: (typeof vms)[number]) => hour!.calls.find((c) => c.channelId === live.run.store.call(v.callId!)?.channelId)!.script.says;
    const done = vms.filter((v) => v.transcriptStatus === 'done');
    const flagged = done.filter((v) => v.urgentWords!.length > 0);
    expect(vms.filter((v) => v.transcriptStatus !== 'done')).toEqual([]);
    expect(flagged.some((v) => ['chest-pain', 'bleeding'].includes(said(v)))).toBe(true);
    expect(done.some((v) => ['refill', 'appointment'].includes(said(v)) && v.urgentWords!.length === 0)).toBe(true);
    for (const v of flagged) expect(v.urgent).toBe(true);
    const cpu = done.reduce((a, v) => a + v.transcriptCpuMs!, 0) / done.length;
    expect(summary.transcripts).toMatchObject({ mailboxes: DEMO_TRANSCRIBED, voicemails: vms.length, done: done.length, failed: 0, pending: 0, engines: ['pocketsphinx'], urgent: flagged.length, emails: transcriptMails.length, notices: notices.length, gaveUpAfterMs: null });
    expect(summary.transcripts!.avgCpuMs).toBeCloseTo(cpu, 3);
    expect(transcriptMails).toHaveLength(done.length);
    expect(notices).toHaveLength(flagged.length);
    expect(transcriptLines).toHaveLength(done.length);
    for (const v of done) expect(transcriptLines.some((l) => l.includes(`vm ${v.id} ${v.mailbox}: "`) && l.includes(v.urgentWords!.length ? `URGENT: ${v.urgentWords!.join(', ')}` : `(${v.transcriptConfidence!.toFixed(2)})`))).toBe(true);
    expect(provider.messages.every((m) => m.from === '+15125550100' && m.body.includes('riverside-clinic.example/'))).toBe(true);
    // The hour without texts: the same callers, nobody pressed the key, nothing was sent.
    expect(without.summary.texts).toMatchObject({ asked: 0, sent: 0, deflected: 0 });

    const printed = formatSummary(summary, 'Summary', { mail: '', texts: ` (${provider.messages.length} received)`, transcriptMail: ` (${transcriptMails.length} received)`, withoutTexts: without.summary }).join('\n');
    const words = Object.entries(summary.transcripts!.urgentWords).map(([w, n]) => `${w} ${n}`).join(', ');
    expect(printed).toContain(
      `  voicemail transcribed (front-desk, nurse-line): ${done.length} of ${vms.length} (pocketsphinx, ${(cpu / 1000).toFixed(1)} s CPU each on average), 0 failed; ${flagged.length} flagged URGENT by their words (${words}); transcript emails ${transcriptMails.length} (${transcriptMails.length} received), ${notices.length} urgent notice(s) to transcription.onUrgent`,
    );
    for (const v of flagged) for (const w of v.urgentWords!) expect(summary.transcripts!.urgentWords[w]).toBeGreaterThan(0);
    expect(printed).toContain(`  text offers: ${stored.offered} waiting caller(s) heard one`);
    expect(printed).toContain(`; ${stored.asked} asked for a text`);
    expect(printed).toContain(`  texts: ${stored.sent} sent (${provider.messages.length} received), ${stored.failed} failed, ${stored.refused} refused, ${stored.queued} still queued`);
    expect(printed).toContain(`  sms-deflected ${stored.deflected}: hung up with the text`);
    const abandoned = (o: Record<string, number>) => o.abandoned ?? 0;
    const withoutOutcomes: Record<string, number> = {};
    for (const c of without.calls) {
      const o = without.live.run.store.callByChannel(c.channelId)!.outcome ?? 'open';
      withoutOutcomes[o] = (withoutOutcomes[o] ?? 0) + 1;
    }
    expect(printed).toMatch(new RegExp(`  abandoned ${abandoned(outcomes)} of 30 \\([0-9.]+%\\); the same hour with nobody taking a text: ${abandoned(withoutOutcomes)} \\(`));
  }, 120_000);
});
