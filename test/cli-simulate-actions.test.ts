/**
 * `pbx-router simulate` shows the issue 4 actions with their parameters: forwarding (roster, who is
 * on call, the escalation order with numbers and ring times, the confirm key and its timeout, the
 * final destination), voicemail (mailbox, recipients, attached or notification only) and callback
 * capture (list, reasons, deadline in the site's time).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.js';
import { removeVariants, variant } from './scenarios/after-hours.js';

async function simulate(...args: string[]): Promise<string[]> {
  let out = '';
  const io: Io = { out: (t) => void (out += t.endsWith('\n') ? t : `${t}\n`), err: (t) => void (out += t) };
  const code = await main(['node', 'pbx-router', 'simulate', '--did', '+15125550100', '--caller', '+15125550123', ...args], io);
  expect(code).toBe(0);
  const lines = out.split('\n');
  return lines.slice(lines.findIndex((l) => l.startsWith('Outcome:')), lines.findIndex((l) => l.startsWith('Trace')));
}

const CLINIC = 'config/example-clinic.yaml';
afterEach(removeVariants);

describe('simulate shows forward, voicemail and callback with their parameters', () => {
  it('forward: roster, who is on call, escalation order, confirm key and timeout, final destination', async () => {
    expect(await simulate('-c', CLINIC, '--at', '2026-11-24T20:00', '--digits', '1')).toEqual([
      'Outcome: forward on-call-nurse (priority 9, language en, site riverside, tags urgent)',
      '  on call now: nurse-patel; caller id +15125550100; press 1 within 10s to accept',
      '  1. Priya Patel, RN +15125550198 via PJSIP/+15125550198@carrier, 25s',
      '  2. Dr. Ada Okafor +15125550197 via PJSIP/+15125550197@carrier, 30s',
      '  if nobody accepts: voicemail urgent (email oncall@riverside-clinic.example, nurses@riverside-clinic.example; notification only)',
    ]);
    // The dated override (Christmas Eve noon to the 26th) puts Dr. Okafor first.
    expect((await simulate('-c', CLINIC, '--at', '2026-12-24T20:00', '--digits', '1'))[1]).toBe('  on call now: dr-okafor; caller id +15125550100; press 1 within 10s to accept');
  });

  it('forward without confirmation says that answering connects', async () => {
    const file = variant({ 'rosters.on-call-nurse.confirm': { required: false } });
    expect((await simulate('-c', file, '--at', '2026-11-24T20:00', '--digits', '1'))[1]).toBe('  on call now: nurse-patel; caller id +15125550100; no key needed: answering connects (a cell phone voicemail can take the call)');
  });

  it('voicemail: mailbox, recipients, notification only or audio attached', async () => {
    expect(await simulate('-c', CLINIC, '--at', '2026-11-24T20:00', '--digits', '2')).toEqual([
      'Outcome: voicemail front-desk (priority 0, language en, site riverside)',
      '  greeting default; up to 180s; email frontdesk@riverside-clinic.example (notification only)',
    ]);
    const file = variant({ 'mailboxes.front-desk.attachAudio': true });
    expect((await simulate('-c', file, '--at', '2026-11-24T20:00', '--digits', '2'))[1]).toBe('  greeting default; up to 180s; email frontdesk@riverside-clinic.example (audio attached)');
  });

  it('callback: list, reasons and the deadline (the next opening, skipping Thanksgiving)', async () => {
    expect(await simulate('-c', CLINIC, '--at', '2026-11-25T18:00', '--digits', '3')).toEqual([
      'Outcome: callback callbacks (priority 0, language en, site riverside)',
      '  reasons 1=prescription-refill, 2=records-request, 3=nurse-callback; call back by Fri 2026-11-27 08:00 CST',
    ]);
  });

  it('--json carries the same parameters', async () => {
    let out = '';
    const io: Io = { out: (t) => void (out += t), err: () => {} };
    await main(['node', 'pbx-router', 'simulate', '-c', CLINIC, '--at', '2026-11-24T20:00', '--did', '+15125550100', '--digits', '1', '--json'], io);
    const f = JSON.parse(out).outcome.forward;
    expect(f).toMatchObject({ onCall: 'nurse-patel', callerId: '+15125550100', confirm: { required: true, digit: '1', timeout: 10 }, final: ['voicemail urgent'] });
    expect(f.attempts.map((a: { member: string; dial: string }) => `${a.member} ${a.dial}`)).toEqual(['nurse-patel PJSIP/+15125550198@carrier', 'dr-okafor PJSIP/+15125550197@carrier']);
  });
});
