/**
 * Issue 14, the engine as `run` builds it against the fake Asterisk: its log is JSON lines with a
 * level, a time and a component, and holds no full phone number and no secret whatever writes it
 * (the on-call guard's line with a clinician's cell, a debug line with the caller's number, a line
 * that names every secret); a bad reload logs each problem; /metrics parses, has the process's
 * metrics and the histograms, and the queue wait, StasisStart-to-first-command, StasisStart-to-
 * answer and ARI request times of a real call are in it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAmi } from './fakes/fake-ami.js';
import { nothingLeft, removeVariants, startAfterHours, trunk, urgentCaller, variant, type AfterHours } from './scenarios/after-hours.js';
import { PASSWORD, startLive, type Live } from './scenarios/live-harness.js';
import { parsePrometheus, promtool, promtoolCheck, value } from './prometheus-text.js';
import { only } from './support/agents.js';
import { CALLER, CELL } from './support/numbers.js';

const ADMIN_TOKEN = 'admin-secret-for-the-log-0123';
const SECRETS = {
  ASTERISK_AMI_PASSWORD: 'ami-secret-for-the-log-1',
  SMTP_PASSWORD: 'smtp-secret-for-the-log-2',
  PBX_ROUTER_WALLBOARD_TOKEN: 'wallboard-secret-for-the-log-3',
  SIP_PASSWORD_1001: 'sip-secret-for-the-log-1001',
  SIP_PASSWORD_1002: 'sip-secret-for-the-log-1002',
} as const;

let env: AfterHours | null = null;
let live: Live | null = null;
let ami: FakeAmi | null = null;
afterEach(async () => {
  await env?.stop();
  await live?.stop();
  await ami?.stop();
  env = live = ami = null;
  removeVariants();
});

interface Line {
  readonly level: string;
  readonly time: string;
  readonly component: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

describe('operable like a service clinic IT already runs', () => {
  it('the log: JSON lines with level, time and component; no full phone number or secret anywhere in it', async () => {
    ami = new FakeAmi('router', SECRETS.ASTERISK_AMI_PASSWORD, 'reporting');
    const amiPort = await ami.start();
    const config = variant({});
    env = await startAfterHours({ at: '2026-11-24T20:00', config, jsonLog: true, adminToken: ADMIN_TOKEN, env: { ...SECRETS, LOG_LEVEL: 'debug', ASTERISK_AMI_PORT: String(amiPort) } });
    const l = env.live;
    // The on-call guard refuses Priya Patel's cell (its line names the number), Dr. Okafor accepts.
    const plan = l.run.engine.currentPlan();
    l.run.engine.setPlan({ ...plan, dialTargets: new Set([...plan.dialTargets].filter((d) => d !== trunk(CELL.patel))) });
    l.fake.setAgent(trunk(CELL.okafor), { answer: 2000, dtmf: [{ at: 4000, digit: '1' }], hangupAfter: 10_000 });
    const call = urgentCaller(l, ['1']);
    await l.until('the call over', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 120_000);
    await nothingLeft(l);
    const id = l.run.store.callByChannel(call.channelId)!.id;
    // Whatever a future line says, the engine's logger knows every secret of its environment.
    const everything = [PASSWORD, ADMIN_TOKEN, ...Object.values(SECRETS)];
    l.run.logger.child({ component: 'test', caller: CALLER }).error({ secrets: everything, cells: Object.values(CELL) }, `every secret: ${everything.join(' ')}; every cell: ${Object.values(CELL).join(' ')}`);
    // A bad reload: each problem on its own line.
    writeFileSync(config, readFileSync(config, 'utf8').replace('queue: scheduling', 'queue: schedulng'));
    expect(l.run.reload().ok).toBe(false);
    await env.stop();
    env = null;

    const lines = l.logs.map((text) => JSON.parse(text) as Line);
    for (const line of lines) {
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(line.level);
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(typeof line.component).toBe('string');
      expect(typeof line.msg).toBe('string');
    }
    const find = (component: string, msg: RegExp) => lines.find((x) => x.component === component && msg.test(x.msg));
    expect(find('ari', /^ARI connected$/)).toBeDefined();
    expect(find('ami', /^AMI connected$/)).toBeDefined();
    expect(find('engine', /^admin API on http:\/\/127\.0\.0\.1:\d+$/)).toBeDefined();
    expect(find('engine', /^config [0-9a-f]{12} loaded from .*; cron jobs in America\/Chicago$/)).toBeDefined();
    expect(find('calls', /^call arrived on \+\*\*\*0100 from \+\*\*\*0123, channel /)).toMatchObject({ level: 'debug', caller: '+***0123' });
    expect(find('calls', /refused to dial \+\*\*\*0198 for nurse-patel/)).toBeDefined();
    expect(find('calls', new RegExp(`^call ${id} ended: forwarded after [\\d.]+ s \\(site riverside\\)$`))).toMatchObject({ level: 'info', call: id, outcome: 'forwarded' });
    // The forwarded call's life, by its id: the refused cell, the clinician who took it.
    const steps = lines.filter((x) => x.call === id && x.step).map((x) => `${String(x.step)}: ${x.msg.replace(`call ${id}`, 'call')}`);
    expect(steps).toEqual([
      'arrived: call arrived on +***0100 (site riverside)',
      "decision: call: menu after-hours by rule 'After hours' in inbound",
      "decision: call: decided forward on-call-nurse by rule 'After hours' in inbound (site riverside)",
      'forward-attempt: call: calling on-call nurse-patel (ringing up to 25 s)',
      'forward-result: call: on-call nurse-patel: refused',
      'forward-attempt: call: calling on-call dr-okafor (ringing up to 30 s)',
      'forward-result: call: on-call dr-okafor: accepted',
      'answered: call: answered by dr-okafor; connected',
      expect.stringMatching(/^ended: call ended: forwarded after [\d.]+ s \(site riverside\)$/),
    ]);
    expect(lines.find((x) => x.call === id && /refused to dial/.test(x.msg))).toMatchObject({ level: 'warn', member: 'nurse-patel' });
    const test = find('test', /^every secret:/)!;
    expect(test.msg).toBe(`every secret: ${everything.map(() => '[secret]').join(' ')}; every cell: +***0199 +***0198 +***0197`);
    expect(test).toMatchObject({ caller: '+***0123', secrets: everything.map(() => '[secret]') });
    const problems = lines.filter((x) => x.component === 'config' && x.level === 'error' && /^reload: .*clinic\.yaml:\d+:\d+ unknown queue 'schedulng'/.test(x.msg));
    expect(problems.length).toBeGreaterThanOrEqual(1);
    expect(find('config', /^reload rejected: \d+ problem\(s\); config [0-9a-f]{12} stays$/)).toMatchObject({ level: 'error' });

    const text = l.logs.join('\n');
    for (const n of [CALLER, ...Object.values(CELL)]) {
      expect(text).not.toContain(n);
      expect(text).not.toContain(n.slice(2)); // without +1, as in a dial string
    }
    for (const s of everything) expect(text).not.toContain(s);
  }, 120_000);

  it('/metrics: parses, with the process metrics and every histogram; a queued call that is answered is timed', async () => {
    live = await startLive({ at: '2026-11-23T10:00', jsonLog: true, adminToken: ADMIN_TOKEN });
    const l = live;
    only(l.run.engine, ['james']);
    l.fake.setAgent('PJSIP/1002', { answer: 3000, hangupAfter: 30_000 });
    const call = l.fake.placeCall({ did: '+15125550100', caller: CALLER, script: { dtmf: [{ at: 3000, digit: '1' }] } });
    await l.until('the call over', () => l.run.store.callByChannel(call.channelId)?.state === 'ended', 120_000);
    const res = await fetch(`${l.run.admin!.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    const m = parsePrometheus(text);

    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds']) expect(m.has(name), name).toBe(true);
    for (const name of ['stasis_to_first_command', 'stasis_to_answer', 'ari_request', 'queue_wait', 'decision']) expect(m.get(`pbx_router_${name}_seconds`)?.type).toBe('histogram');
    for (const name of ['offers_missed', 'failsafe_handoffs', 'ari_reconnects', 'emails', 'webhooks', 'sms', 'calls_ended']) expect(m.get(`pbx_router_${name}_total`)?.type).toBe('counter');
    for (const name of ['calls_in_progress', 'queue_waiting', 'queue_longest_wait_seconds', 'agents', 'prompts_missing', 'ari_connected']) expect(m.get(`pbx_router_${name}`)?.type).toBe('gauge');

    expect(value(m, 'pbx_router_queue_wait_seconds_count', { queue: 'scheduling', result: 'answered' })).toBe(1);
    expect(value(m, 'pbx_router_stasis_to_first_command_seconds_count')).toBe(1);
    expect(value(m, 'pbx_router_stasis_to_answer_seconds_count')).toBe(1);
    expect(value(m, 'pbx_router_ari_request_seconds_count', { operation: 'answer' })).toBe(1);
    expect(value(m, 'pbx_router_ari_request_seconds_count', { operation: 'originate' })).toBe(1);
    expect(value(m, 'pbx_router_calls_ended_total', { outcome: 'answered' })).toBe(1);
    expect(value(m, 'pbx_router_emails_total', { result: 'failed' })).toBe(0);
    for (const status of ['sent', 'retried', 'failed', 'refused']) expect(value(m, 'pbx_router_sms_total', { status })).toBe(0);
    expect(value(m, 'pbx_router_ari_connected')).toBe(1);
    expect(value(m, 'pbx_router_decision_seconds_count')).toBe(2); // the menu, then the key's destination
    expect(text).not.toMatch(/5550123|\+1512/);

    // Following the call's id through the log gives its whole life, in order, each line with its channel.
    const id = l.run.store.callByChannel(call.channelId)!.id;
    const mine = l.logs.map((x) => JSON.parse(x) as Line).filter((x) => x.call === id);
    for (const line of mine) expect(line).toMatchObject({ component: 'calls', channel: call.channelId });
    expect(mine.filter((x) => x.step).map((x) => `${String(x.step)}: ${x.msg.replace(`call ${id}`, 'call')}`)).toEqual([
      'arrived: call arrived on +***0100 (site riverside)',
      "decision: call: menu main by rule 'Open - main menu' in inbound",
      "decision: call: decided queue scheduling by rule 'Open - main menu' in inbound (site riverside)",
      'queue-joined: call: joined queue scheduling at position 1',
      'offer: call: offered to james on PJSIP/1002',
      expect.stringMatching(/^queue-left: call: left queue scheduling: answered after \d+(\.\d)? s$/),
      'answered: call: answered by james; connected',
      expect.stringMatching(/^ended: call ended: answered after [\d.]+ s \(site riverside\)$/),
    ]);
    expect(mine.find((x) => x.step === 'decision' && x.action === 'queue')).toMatchObject({ level: 'info', target: 'scheduling', rule: 'inbound/Open - main menu', site: 'riverside' });
    expect(mine.find((x) => x.step === 'ended')).toMatchObject({ level: 'info', outcome: 'answered', agent: 'james', site: 'riverside' });
  }, 120_000);

  it("counters: a voicemail's email sent, an agent's missed offer by reason", async () => {
    env = await startAfterHours({ at: '2026-11-24T19:00', jsonLog: true });
    const e = env;
    const vm = e.live.fake.placeCall({ did: '+15125550100', caller: CALLER, script: { dtmf: [{ at: 3000, digit: '2' }], speech: [{ at: 8000, ms: 12_000 }], hangupAfter: 22_000 } });
    await e.live.until('the voicemail left', () => e.live.run.store.callByChannel(vm.channelId)?.outcome === 'voicemail', 60_000);
    await e.live.until('the email', () => e.smtp.received[0], 30_000);
    const counted = async (name: string, labels: Record<string, string>) => value(parsePrometheus(await e.live.run.metrics.text()), name, labels);
    await expect.poll(() => counted('pbx_router_emails_total', { result: 'sent' })).toBe(1);
    const vmId = e.live.run.store.callByChannel(vm.channelId)!.id;
    const vmSteps = e.live.logs.map((x) => JSON.parse(x) as Line).filter((x) => x.call === vmId && x.step);
    expect(vmSteps.map((x) => `${String(x.step)}: ${x.msg.replace(`call ${vmId}`, 'call')}`)).toEqual([
      'arrived: call arrived on +***0100 (site riverside)',
      "decision: call: menu after-hours by rule 'After hours' in inbound",
      "decision: call: decided voicemail front-desk by rule 'After hours' in inbound (site riverside)",
      'voicemail: call: to voicemail front-desk',
      // The caller hung up during the recording: the message is stored when the recording ends, then the call ends.
      expect.stringMatching(/^voicemail-kept: call: voicemail \d+ for front-desk kept \(\d+ s\); email to 1 recipient\(s\) queued$/),
      expect.stringMatching(/^ended: call ended: voicemail after [\d.]+ s \(site riverside\)$/),
    ]);
    expect(await counted('pbx_router_emails_total', { result: 'failed' })).toBe(0);
    await env.stop();
    env = null;

    live = await startLive({ at: '2026-11-23T10:00', jsonLog: true });
    const l = live;
    only(l.run.engine, ['james']);
    l.fake.setAgent('PJSIP/1002', 'noanswer');
    const call = l.fake.placeCall({ did: '+15125550100', caller: CALLER, script: { dtmf: [{ at: 3000, digit: '1' }], hangupAfter: 90_000 } });
    const id = await l.until('the call recorded', () => l.run.store.callByChannel(call.channelId)?.id);
    await l.until('a missed offer', () => l.run.store.events(id).some((x) => x.type === 'offer-missed'), 90_000);
    const m = parsePrometheus(await l.run.metrics.text());
    expect(value(m, 'pbx_router_offers_missed_total', { reason: 'no-answer' })).toBeGreaterThanOrEqual(1);
    expect(value(m, 'pbx_router_offers_missed_total', { reason: 'busy' })).toBe(0);
  }, 120_000);

  it.skipIf(promtool() === null)("/metrics passes Prometheus' own promtool check (Debian's prometheus package)", async () => {
    live = await startLive({ at: '2026-11-23T10:00', jsonLog: true, adminToken: ADMIN_TOKEN });
    const res = await fetch(`${live.run.admin!.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const text = await res.text();
    // Ours are lint-clean; prom-client's own defaults draw lint notes (nodejs_active_*_total are gauges), not parse errors (exit 1).
    const ours = text.split('\n').filter((line) => /^(# (HELP|TYPE) )?pbx_router_/.test(line)).join('\n');
    expect(promtoolCheck(promtool()!, `${ours}\n`)).toEqual({ code: 0, output: '' });
    const all = promtoolCheck(promtool()!, text);
    expect([0, 3]).toContain(all.code);
    for (const note of all.output.split('\n').filter(Boolean)) expect(note).toMatch(/^nodejs_/);
  }, 60_000);
});
