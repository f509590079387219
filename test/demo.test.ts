/**
 * `npm run demo` in small: the busy hour with 30 callers on a compressed clock, the engine as
 * `pbx-router run` builds it against the fake Asterisk, voicemail emails over a real SMTP server,
 * texts to the loopback SMS provider, and the same hour alongside with nobody taking a text.
 * The summary's figures are checked against the store, and nothing may be left in Asterisk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openDb } from '../src/store/db.js';
import { SmsStore } from '../src/store/sms-store.js';
import { smtpMailer } from '../src/notify/mailer.js';
import { startSmtp, type TestSmtp } from './fakes/smtp.js';
import { runBusyHour, type BusyHour } from './scenarios/busy-hour.js';
import { formatSummary } from './scenarios/busy-hour-report.js';
import { busyHourScript, maskNumber } from './scenarios/busy-hour-script.js';
import { loopbackTexts, type DemoTexts } from './scenarios/demo-texts.js';
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

  it('parses its options and refuses nonsense', () => {
    expect(demoOptions(['--config', 'x.yaml', '--calls', '30', '--quiet'])).toEqual({ config: 'x.yaml', calls: 30, seed: 7, speed: 75, quiet: true });
    expect(() => demoOptions(['--speed', 'fast'])).toThrow(/--speed must be a number/);
  });

  it('30 callers: every call ends, the summary matches the store, emails and texts arrive, nothing is left in Asterisk', async () => {
    smtp = await startSmtp();
    texts = await loopbackTexts('config/example-clinic.yaml');
    const provider = texts.provider!;
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'demo@127.0.0.1', tls: 'off', timeoutMs: 5000 });
    const lines: string[] = [];
    const common = { config: texts.config, env: texts.env, calls: 30, seed: 7, speed: 150, hourMs: 600_000 };
    [hour, without] = await Promise.all([runBusyHour({ ...common, mailer, print: (l) => lines.push(l) }), runBusyHour({ ...common, takeTexts: false })]);
    const { summary, live } = hour;
    expect(hour.problems).toEqual([]);
    expect(without.problems).toEqual([]);
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
    expect(smtp.received).toHaveLength(summary.voicemails);
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
    expect(provider.messages.every((m) => m.from === '+15125550100' && m.body.includes('riverside-clinic.example/'))).toBe(true);
    // The hour without texts: the same callers, nobody pressed the key, nothing was sent.
    expect(without.summary.texts).toMatchObject({ asked: 0, sent: 0, deflected: 0 });

    const printed = formatSummary(summary, 'Summary', { mail: '', texts: ` (${provider.messages.length} received)`, withoutTexts: without.summary }).join('\n');
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
