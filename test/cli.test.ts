import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli as run } from './cli-helpers.js';
import { CallStore } from '../src/store/call-store.js';
import { openDb } from '../src/store/db.js';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import { MAIN } from './support/numbers.js';


const CLINIC = 'config/example-clinic.yaml';

describe('pbx-router simulate', () => {
  it('--json gives the outcome, site, steps and trace', async () => {
    const r = await run('simulate', '-c', CLINIC, '--at', '2026-11-23T09:00:00-06:00', '--did', MAIN, '--caller', '+15125550123', '--digits', '4', '--json');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.outcome).toMatchObject({ action: 'queue', target: 'nurse', priority: 5 });
    expect(j.site).toBe('riverside');
    expect(j.steps.map((s: { kind: string }) => s.kind)).toEqual(['rule', 'play', 'menu']);
    expect(j.trace[0]).toMatchObject({ rule: 'Partner nursing home goes first', matched: false });
    expect(j.trace[0].why).toMatch(/caller.in/);
    expect(j.call.at).toBe('2026-11-23T09:00:00.000-06:00');
  });

  it('shows times in the site time zone and explains the path in words', async () => {
    const r = await run('simulate', '-c', CLINIC, '--at', '2026-11-24T01:05:00Z', '--did', MAIN, '--caller', '+15125550123', '--digits', '1');
    expect(r.code).toBe(0);
    expect(r.out).toContain('at Mon 2026-11-23 19:05 CST');
    expect(r.out).toContain('Outcome: forward on-call-nurse (priority 9');
    expect(r.out).toMatch(/Open - main menu: no \(open: expected open, was closed \(outside-hours/);
    expect(r.out).toContain('press 1 within 10s to accept');
  });

  it('without --agents every agent is available; with a state file the busy ones are not offered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-sim-'));
    const state = join(dir, 'state.yaml');
    writeFileSync(state, 'agents:\n  aisha: busy\n  emily: { state: paused }\n');
    const all = JSON.parse((await run('simulate', '-c', CLINIC, '--at', '2026-11-23T10:00', '--did', MAIN, '--digits', '2', '--json')).out);
    expect(all.outcome.queue.candidates).toEqual(['aisha', 'emily', 'james']);
    const some = JSON.parse((await run('simulate', '-c', CLINIC, '--at', '2026-11-23T10:00', '--did', MAIN, '--digits', '2', '--agents', state, '--json')).out);
    expect(some.outcome.queue.candidates).toEqual(['james']);
  });

  it('bad input is a clear error with exit 2, not a crash', async () => {
    const r = await run('simulate', '-c', CLINIC, '--at', 'tomorrow', '--did', MAIN);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--at 'tomorrow' is not a date and time/);
    const k = await run('simulate', '-c', CLINIC, '--at', '2026-11-23T10:00', '--did', MAIN, '--digits', '1,x');
    expect(k.code).toBe(2);
    expect(k.err).toMatch(/'x' is not a key/);
  });

  it('mode night written by `pbx-router mode` is read by simulate --state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-mode-'));
    const state = join(dir, 'state.yaml');
    expect((await run('mode', 'night', '--site', 'riverside', '--state', state, '-c', CLINIC)).code).toBe(0);
    expect(readFileSync(state, 'utf8')).toContain('riverside: night');
    const night = JSON.parse((await run('simulate', '-c', CLINIC, '--at', '2026-11-23T10:00', '--did', MAIN, '--digits', '2', '--state', state, '--json')).out);
    expect(night.outcome.target).toBe('front-desk');
    await run('mode', 'auto', '--site', 'riverside', '--state', state);
    const auto = JSON.parse((await run('simulate', '-c', CLINIC, '--at', '2026-11-23T10:00', '--did', MAIN, '--digits', '2', '--state', state, '--json')).out);
    expect(auto.outcome.target).toBe('billing');
    const bad = await run('mode', 'night', '--site', 'nowhere', '-c', CLINIC, '--state', state);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/unknown site 'nowhere'/);
  });
});

describe('pbx-router run', () => {
  it('refuses to start without the ARI password in the environment, saying where it belongs', async () => {
    const saved = { a: process.env.ASTERISK_ARI_PASSWORD, b: process.env.ARI_PASSWORD };
    delete process.env.ASTERISK_ARI_PASSWORD;
    delete process.env.ARI_PASSWORD;
    try {
      const r = await run('run', '-c', CLINIC);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/ASTERISK_ARI_PASSWORD.*never goes in the routing config/);
    } finally {
      if (saved.a !== undefined) process.env.ASTERISK_ARI_PASSWORD = saved.a;
      if (saved.b !== undefined) process.env.ARI_PASSWORD = saved.b;
    }
  });

  it('a broken config stops the start with its problems and exit 1', async () => {
    process.env.ASTERISK_ARI_PASSWORD = 'test-only';
    try {
      const r = await run('run', '-c', 'test/fixtures/invalid-configs/09-unknown-queue.yaml', '--db', ':memory:');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/problem\(s\):\n.*unknown queue/);
    } finally {
      delete process.env.ASTERISK_ARI_PASSWORD;
    }
  });
});

describe('pbx-router voicemail and callbacks', () => {
  it('lists voicemails (and pending emails) and callback requests, and marks a callback done once', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'pbx-rec-')), 'calls.sqlite');
    const handle = openDb(db);
    const vms = new VoicemailStore(handle);
    const at = Date.parse('2026-11-24T01:05:00Z');
    vms.add({ callId: null, mailbox: 'front-desk', caller: '+15125550123', did: '+15125550100', site: 'riverside', reason: null, urgent: true, recording: 'pbx-vm-x', duration: 42, createdAt: at }, { recipients: ['a@b.example'], attach: false, compose: () => ({ subject: 's', body: 'b' }) });
    const calls = new CallStore(handle);
    const cb = calls.createCallback({ callId: null, list: 'callbacks', number: '+15125550124', reason: 'prescription-refill', site: 'riverside', createdAt: at, deadline: at + 3600_000 });
    handle.close();
    const list = await run('voicemail', 'list', '--db', db);
    expect(list.out).toMatch(/^1 {2}2026-11-23 19:05 CST {2}front-desk {2}from \+15125550123 {2}42s {2}URGENT {2}\(email pending\)$/m);
    const pending = await run('voicemail', 'list', '--pending', '--db', db);
    expect(pending.out).toContain('1 email(s) waiting');
    const open = await run('callbacks', 'list', '--open', '--db', db);
    expect(open.out).toContain(`${cb}  +15125550124  prescription-refill  list callbacks  due 2026-11-23 20:05 CST  open`);
    expect((await run('callbacks', 'done', String(cb), '--db', db, '--by', 'maria')).code).toBe(0);
    const again = await run('callbacks', 'done', String(cb), '--db', db);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already done');
    expect((await run('callbacks', 'list', '--open', '--db', db)).out).toContain('0 callback request(s)');
    const missing = await run('voicemail', 'get', '99', '--db', db);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no voicemail 99');
  });
});

describe('pbx-router oncall', () => {
  it('shows who is on call at a time, and an override written to the database changes it', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'pbx-oncall-')), 'calls.sqlite');
    const before = await run('oncall', 'show', '-c', CLINIC, '--at', '2026-11-24T19:05', '--db', db);
    expect(before.out).toContain('on-call-nurse at Tue 2026-11-24 19:05 CST: Priya Patel, RN (+15125550198) by rotation, Mon 2026-11-23 08:00 CST to Mon 2026-11-30 08:00 CST');
    expect(before.out).toContain('escalation: Priya Patel, RN +15125550198 25s -> Dr. Ada Okafor +15125550197 30s');
    const set = await run('oncall', 'override', 'on-call-nurse', 'dr-chen', '--from', '2026-11-24T18:00', '--to', '2026-11-25T08:00', '-c', CLINIC, '--db', db);
    expect(set.code).toBe(0);
    const after = await run('oncall', 'show', '-c', CLINIC, '--at', '2026-11-24T19:05', '--db', db);
    expect(after.out).toContain('Dr. Wei Chen (+15125550199) by override');
    const bad = await run('oncall', 'override', 'on-call-nurse', 'dr-who', '--from', '2026-11-24T18:00', '--to', '2026-11-25T08:00', '-c', CLINIC, '--db', db);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'dr-who' is not a member of on-call-nurse");
  });
});

describe('pbx-router test', () => {
  it.each(['config/example-clinic.yaml', 'config/example-network.yaml'])('the scenarios of %s pass', async (config) => {
    const r = await run('test', config);
    expect(r.out).not.toContain('FAIL');
    expect(r.out).toMatch(/^\d+ passed, 0 failed$/m);
    expect(r.code).toBe(0);
  });

  it('a failing expectation shows expected, actual and the trace, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-test-'));
    const file = join(dir, 'wrong.yaml');
    writeFileSync(file, 'scenarios:\n  - name: wrong on purpose\n    at: 2026-11-23T09:00\n    did: "+15125550100"\n    digits: [2]\n    expect: { action: queue, target: scheduling }\n');
    const r = await run('test', CLINIC, file);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAIL  wrong on purpose');
    expect(r.out).toContain('target: expected "scheduling", got "billing"');
    expect(r.out).toContain('Trace (');
    expect(r.out).toContain('0 passed, 1 failed');
  });
});

describe('the installed command and the demo', () => {
  it('bin/pbx-router.js runs the compiled CLI (validate, exit codes)', () => {
    const ok = spawnSync(process.execPath, ['bin/pbx-router.js', 'validate', CLINIC], { encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^valid: Riverside Family Clinic: 1 site\(s\), 7 agent\(s\)/);
  });

  it('pbx-router demo (the routing-only dry run) routes a seeded day of 300 calls and prints a summary', () => {
    const out = execFileSync(process.execPath, ['bin/pbx-router.js', 'demo', '--quiet'], { encoding: 'utf8' });
    expect(out).toContain('Summary of 300 calls on 2026-11-23 (America/Chicago)');
    const counts = [...out.matchAll(/^\s+(\d+)\s{2}\S/gm)].map((m) => Number(m[1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(300);
    expect(out).toMatch(/queue scheduling/);
    expect(out).toMatch(/forward on-call-nurse/);
  });
});
