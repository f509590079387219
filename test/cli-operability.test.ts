/**
 * Issue 14 on the command line: `run --admin-listen` (and a taken port: one line naming it and
 * the option, a non-zero exit, no stack trace, nothing left running), `--json` on the list
 * commands, and times in the clinic's time zone from the config (or --tz, required when the sites
 * are in several zones).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultAdminUrl } from '../src/cli/admin-client.js';
import { adminListen } from '../src/cli/run.js';
import { parseListen } from '../src/http/errors.js';
import { CallStore } from '../src/store/call-store.js';
import { openDb } from '../src/store/db.js';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import { runCli as cli } from './cli-helpers.js';

let taken: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (taken ? taken.close(() => r()) : r()));
  taken = null;
});

/** A port something else already listens on. */
async function takenPort(): Promise<number> {
  taken = createServer();
  await new Promise<void>((r) => taken!.listen(0, '127.0.0.1', () => r()));
  return (taken.address() as AddressInfo).port;
}

describe('run --admin-listen', () => {
  it.each([
    ['127.0.0.1:8089', { host: '127.0.0.1', port: 8089 }],
    ['0.0.0.0:9000', { host: '0.0.0.0', port: 9000 }],
    ['[::1]:8089', { host: '::1', port: 8089 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['8089', null],
    ['127.0.0.1', null],
    [':8089', null],
    ['127.0.0.1:99999', null],
    ['a b:1', null],
  ])('%s', (text, expected) => {
    expect(parseListen(text)).toEqual(expected);
  });

  it('the option wins over PBX_ROUTER_ADMIN_LISTEN, which wins over 127.0.0.1:8089; a bad value names where it came from', () => {
    expect(adminListen('127.0.0.1:9001', { PBX_ROUTER_ADMIN_LISTEN: '127.0.0.1:9002' })).toEqual({ host: '127.0.0.1', port: 9001 });
    expect(adminListen(undefined, { PBX_ROUTER_ADMIN_LISTEN: '127.0.0.1:9002' })).toEqual({ host: '127.0.0.1', port: 9002 });
    expect(adminListen(undefined, {})).toEqual({ host: '127.0.0.1', port: 8089 });
    expect(() => adminListen(undefined, { PBX_ROUTER_ADMIN_LISTEN: '9002' })).toThrow("PBX_ROUTER_ADMIN_LISTEN '9002' is not host:port");
    expect(() => adminListen('nine', {})).toThrow("--admin-listen 'nine' is not host:port");
    // The operator commands find the engine where PBX_ROUTER_ADMIN_LISTEN says it listens.
    expect(defaultAdminUrl({ PBX_ROUTER_ADMIN_LISTEN: '127.0.0.1:9002' })).toBe('http://127.0.0.1:9002');
    expect(defaultAdminUrl({ PBX_ROUTER_ADMIN_LISTEN: '0.0.0.0:9002' })).toBe('http://127.0.0.1:9002');
    expect(defaultAdminUrl({ PBX_ROUTER_ADMIN_URL: 'http://10.0.0.5:1', PBX_ROUTER_ADMIN_LISTEN: '127.0.0.1:9002' })).toBe('http://10.0.0.5:1');
    expect(defaultAdminUrl({})).toBe('http://127.0.0.1:8089');
  });

  it('a taken port: one line naming the port and the option, exit 1, no stack trace, and the process ends by itself', async () => {
    const port = await takenPort();
    const db = join(mkdtempSync(join(tmpdir(), 'pbx-listen-')), 'calls.sqlite');
    const code = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'pbx-router', ...process.argv.slice(1)]);";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, 'run', '-c', 'config/example-clinic.yaml', '--db', db, '--admin-listen', `127.0.0.1:${port}`], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ASTERISK_ARI_PASSWORD: 'ari-password-x', PBX_ROUTER_ADMIN_TOKEN: 'admin-token-0123456789', PBX_ROUTER_SECRETS: '', LOG_LEVEL: 'warn' },
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    const text = r.stderr.split('\n').filter((l) => l && !l.startsWith('{'));
    expect(text).toEqual([`error: cannot listen on 127.0.0.1:${port} for the admin API: port ${port} is already in use (another pbx-router, or another service?); choose another address with --admin-listen <host:port> (or PBX_ROUTER_ADMIN_LISTEN)`]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  }, 70_000);
});

/** A database with one voicemail and one callback request, Monday 2026-11-23 10:05 in Chicago. */
function records(): string {
  const db = join(mkdtempSync(join(tmpdir(), 'pbx-lists-')), 'calls.sqlite');
  const at = DateTime.fromISO('2026-11-23T10:05', { zone: 'America/Chicago' }).toMillis();
  const d = openDb(db);
  new VoicemailStore(d).add({ callId: null, mailbox: 'front-desk', caller: '+15125550123', did: '+15125550100', site: 'riverside', reason: null, urgent: true, recording: 'vm-1', duration: 12, createdAt: at }, { recipients: ['a@b.example'], attach: false, compose: () => ({ subject: 's', body: 'b' }) });
  new CallStore(d).createCallback({ callId: null, list: 'callbacks', number: '+15125550124', reason: 'records-request', site: 'riverside', createdAt: at, deadline: at + 3_600_000 });
  d.close();
  return db;
}

describe('list commands: --json, and times in the clinic time zone', () => {
  it('voicemail list --json and callbacks list --json: arrays with times in the sites’ zone from the config', async () => {
    const db = records();
    const vm = await cli('voicemail', 'list', '--db', db, '--json');
    expect(vm.code).toBe(0);
    expect(JSON.parse(vm.out)).toEqual([{ id: 1, callId: null, createdAt: '2026-11-23T10:05:00.000-06:00', mailbox: 'front-desk', caller: '+15125550123', did: '+15125550100', site: 'riverside', reason: null, urgent: true, duration: 12, emailPending: true, purgedAt: null, transcriptStatus: null, urgentByTranscript: false }]);
    const pending = JSON.parse((await cli('voicemail', 'list', '--pending', '--db', db, '--json')).out) as { voicemailId: number; attempts: number }[];
    expect(pending).toEqual([{ id: 1, voicemailId: 1, attempts: 0, nextAttempt: '2026-11-23T10:05:00.000-06:00', lastError: null }]);
    const cb = await cli('callbacks', 'list', '--db', db, '--json', '-c', 'config/example-clinic.yaml');
    expect(JSON.parse(cb.out)).toEqual([{ id: 1, callId: null, number: '+15125550124', reason: 'records-request', list: 'callbacks', site: 'riverside', createdAt: '2026-11-23T10:05:00.000-06:00', deadline: '2026-11-23T11:05:00.000-06:00', doneAt: null, doneBy: null }]);
    expect((await cli('voicemail', 'list', '--db', db)).out).toContain('2026-11-23 10:05 CST  front-desk');
    expect(JSON.parse((await cli('callbacks', 'list', '--db', db, '--json', '--tz', 'UTC')).out)[0].createdAt).toBe('2026-11-23T16:05:00.000Z');
  });

  it('several zones: --tz is required, naming the zones; a config that does not load is said so', async () => {
    const db = records();
    for (const args of [['voicemail', 'list'], ['callbacks', 'list'], ['report', '--from', '2026-11-23']]) {
      const r = await cli(...args, '--db', db, '-c', 'config/example-network.yaml');
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^error: the sites in config\/example-network\.yaml are in several time zones \(America\/Chicago \(.+\); America\/Denver \(.+\)\): pass --tz <zone> to say which one to use\n$/);
      expect((await cli(...args, '--db', db, '-c', 'config/example-network.yaml', '--tz', 'America/Denver')).code).toBe(0);
    }
    const none = await cli('voicemail', 'list', '--db', db, '-c', 'no-such-config.yaml');
    expect(none.code).toBe(2);
    expect(none.err).toContain('cannot read the config no-such-config.yaml: pass -c <config> (or set PBX_ROUTER_CONFIG), or --tz <zone>');
    expect((await cli('voicemail', 'list', '--db', db, '--tz', 'Mars/Olympus')).err).toContain("unknown time zone 'Mars/Olympus'");
  });

  it('report reads its days in the clinic zone without --tz', async () => {
    const db = records();
    const r = await cli('report', '--from', '2026-11-23', '--db', db);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^calls from Mon 2026-11-23 00:00 CST to Tue 2026-11-24 00:00 CST: 0$/m);
    expect(r.out).toContain('voicemails: 1 (1 urgent): front-desk 1');
  });

  it('oncall show --json: who is on call, the escalation order and the next handoffs', async () => {
    const r = await cli('oncall', 'show', '--at', '2026-11-24T20:00', '--json');
    expect(r.code).toBe(0);
    const [roster] = JSON.parse(r.out) as { roster: string; at: string; onCall: { member: string; number: string }; escalation: { name: string }[]; handoffs: unknown[] }[];
    expect(roster).toMatchObject({ roster: 'on-call-nurse', at: '2026-11-24T20:00:00.000-06:00', onCall: { member: 'nurse-patel', number: '+15125550198' } });
    expect(roster!.escalation.length).toBeGreaterThan(1);
    expect(roster!.handoffs.length).toBeGreaterThan(0);
  });
});
