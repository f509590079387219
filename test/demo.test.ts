/**
 * `npm run demo` in small: the busy hour with 30 callers on a compressed clock, the engine as
 * `pbx-router run` builds it against the fake Asterisk, voicemail emails over a real SMTP server.
 * The summary's figures are checked against the store, and nothing may be left in Asterisk.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { smtpMailer } from '../src/notify/mailer.js';
import { startSmtp, type TestSmtp } from './fakes/smtp.js';
import { runBusyHour, type BusyHour } from './scenarios/busy-hour.js';
import { busyHourScript, maskNumber } from './scenarios/busy-hour-script.js';
import { demoOptions } from './scenarios/run-demo.js';

let hour: BusyHour | null = null;
let smtp: TestSmtp | null = null;
afterEach(async () => {
  await hour?.live.stop();
  await smtp?.close();
  hour = null;
  smtp = null;
});

describe('the busy-hour demo', () => {
  it('the script is seeded: the same callers every run, another seed another hour', () => {
    expect(busyHourScript(50, 7)).toEqual(busyHourScript(50, 7));
    expect(busyHourScript(50, 8)).not.toEqual(busyHourScript(50, 7));
    const intents = new Set(busyHourScript(300, 7).map((c) => c.intent));
    for (const i of ['scheduling', 'billing', 'rx-refill', 'nurse', 'spanish-scheduling', 'wrong-keys', 'silent', 'urgent']) expect(intents).toContain(i);
    expect(maskNumber('+15125550123')).toBe('+1512•••0123');
  });

  it('parses its options and refuses nonsense', () => {
    expect(demoOptions(['--config', 'x.yaml', '--calls', '30', '--quiet'])).toEqual({ config: 'x.yaml', calls: 30, seed: 7, speed: 75, quiet: true });
    expect(() => demoOptions(['--speed', 'fast'])).toThrow(/--speed must be a number/);
  });

  it('30 callers: every call ends, the summary matches the store, emails arrive, nothing is left in Asterisk', async () => {
    smtp = await startSmtp();
    const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'demo@127.0.0.1', tls: 'off', timeoutMs: 5000 });
    const lines: string[] = [];
    hour = await runBusyHour({ calls: 30, seed: 7, speed: 150, hourMs: 600_000, mailer, print: (l) => lines.push(l) });
    const { summary, live } = hour;
    expect(hour.problems).toEqual([]);
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
  });
});
