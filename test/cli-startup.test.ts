/**
 * Issue 13 with `pbx-router run` as a child process: every start-up check runs before anything is
 * started (finding 10: one line, a non-zero exit, no database, cron, AMI or ARI activity), and a
 * password written in the ARI URL works and never reaches the log (finding 12); an error nobody
 * caught is logged with its stack, and only a harmless rejection leaves the process running.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Child {
  readonly output: () => string;
  /** Resolves with the exit code (or the signal) once the process has ended. */
  readonly ended: Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  kill(signal?: NodeJS.Signals): void;
}

/** `pbx-router run <args>` in a child process with `env` over a clean environment; `prelude` runs first in it. */
function runChild(args: string[], env: Record<string, string>, prelude = ''): Child {
  const code = `${prelude}\nconst { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'pbx-router', ...process.argv.slice(1)]);`;
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code, 'run', ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PBX_ROUTER_SECRETS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, ms: Date.now() - started })));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await ended;
  });
  return { output: () => out, ended, kill: (s = 'SIGTERM') => void child.kill(s) };
}

/** A loopback TCP server that counts who connects (AMI, or ARI's HTTP). */
async function listener(kind: 'tcp' | 'http'): Promise<{ port: number; hits: () => number }> {
  let hits = 0;
  const server: Server =
    kind === 'http'
      ? createHttpServer((_req, res) => {
          hits++;
          res.writeHead(503).end();
        })
      : createServer((sock) => {
          hits++;
          sock.destroy();
        });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { port: (server.address() as AddressInfo).port, hits: () => hits };
}

async function until(what: string, check: () => boolean, ms: number, output: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; output:\n${output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('every start-up check runs before anything is started (finding 10)', () => {
  it.each([
    ['an admin token of 10 characters', { PBX_ROUTER_ADMIN_TOKEN: 'short12345' }, 'error: the admin token must be at least 16 characters (PBX_ROUTER_ADMIN_TOKEN)'],
    ['a wallboard token of 10 characters', { PBX_ROUTER_ADMIN_TOKEN: 'admin-token-0123456789', PBX_ROUTER_WALLBOARD_TOKEN: 'wall-12345' }, 'error: the wallboard token must be at least 16 characters (PBX_ROUTER_WALLBOARD_TOKEN)'],
    ['a LOG_LEVEL that is not a level', { LOG_LEVEL: 'loud' }, "error: LOG_LEVEL 'loud' is not a level; use one of trace, debug, info, warn, error, fatal, silent"],
  ])('%s: one line, a non-zero exit within seconds, no database, no AMI or ARI connection', async (_what, extra, line) => {
    const ari = await listener('http');
    const ami = await listener('tcp');
    const db = join(mkdtempSync(join(tmpdir(), 'pbx-checks-')), 'calls.sqlite');
    const child = runChild(['-c', 'config/example-clinic.yaml', '--db', db, '--admin-listen', '127.0.0.1:0'], {
      LOG_LEVEL: 'debug',
      ASTERISK_ARI_URL: `http://127.0.0.1:${ari.port}`,
      ASTERISK_ARI_PASSWORD: 'ari-password-x',
      ASTERISK_AMI_PASSWORD: 'ami-password-x',
      ASTERISK_AMI_PORT: String(ami.port),
      ...extra,
    });
    const end = await child.ended;
    expect(end.signal).toBeNull();
    expect(end.code).not.toBe(0);
    expect(end.ms).toBeLessThan(15_000);
    expect(child.output().split('\n').filter(Boolean)).toEqual([line]);
    expect(ari.hits()).toBe(0);
    expect(ami.hits()).toBe(0);
    expect(existsSync(db)).toBe(false);
  }, 30_000);
});

describe('an ARI URL with user:password@ (finding 12)', () => {
  it.each([
    ['the URL alone: its user and password are used', 's3cret-in-url', {}],
    ['ASTERISK_ARI_PASSWORD too: that one wins', 'env-password-x', { ASTERISK_ARI_PASSWORD: 'env-password-x' }],
  ])('%s; the URL password is nowhere in the log, not even at debug', async (_what, asteriskPassword, extra) => {
    const fake = new FakeAsterisk({ password: asteriskPassword });
    const { port } = await fake.start();
    cleanups.push(() => fake.stop());
    const db = join(mkdtempSync(join(tmpdir(), 'pbx-url-')), 'calls.sqlite');
    const child = runChild(['-c', 'config/example-clinic.yaml', '--db', db], { LOG_LEVEL: 'debug', ASTERISK_ARI_URL: `http://router:s3cret-in-url@127.0.0.1:${port}`, ...extra });
    await until('the engine on the event socket', () => fake.isConnected('pbx-router'), 20_000, child.output);
    // `run` takes SIGTERM once startEngine has returned, a moment after the socket opens.
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGTERM');
    const end = await child.ended;
    expect(end.code).toBe(0);
    expect(child.output()).toContain(`connecting to http://127.0.0.1:${port} as router`);
    expect(child.output()).not.toContain('s3cret-in-url');
  }, 40_000);
});

/** On SIGUSR2 the child rejects or throws as TRIGGER says, from outside any handler of the engine. */
const TRIGGERS = `
const { TelephonyError } = await import('./src/calls/telephony.ts');
process.on('SIGUSR2', () => {
  const kind = process.env.TRIGGER;
  if (kind === 'harmless') Promise.reject(new TelephonyError('disconnected', 'ARI channels.play: socket hang up'));
  if (kind === 'rejection') Promise.reject(new TypeError('boom from a promise'));
  if (kind === 'exception') setTimeout(() => { throw new Error('boom from a timer'); });
});`;

describe('the process policy of run: unhandled rejections and uncaught exceptions', () => {
  async function started(trigger: string): Promise<{ child: Child; db: string }> {
    const fake = new FakeAsterisk({ password: 'policy-secret' });
    const { url } = await fake.start();
    cleanups.push(() => fake.stop());
    const db = join(mkdtempSync(join(tmpdir(), 'pbx-policy-')), 'calls.sqlite');
    const child = runChild(['-c', 'config/example-clinic.yaml', '--db', db], { LOG_LEVEL: 'info', ASTERISK_ARI_URL: url, ASTERISK_ARI_PASSWORD: 'policy-secret', TRIGGER: trigger }, TRIGGERS);
    await until('the engine on the event socket', () => fake.isConnected('pbx-router'), 20_000, child.output);
    await new Promise((r) => setTimeout(r, 1000));
    return { child, db };
  }
  const lines = (child: Child) =>
    child
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; component?: string; msg: string; err?: { stack?: string } });

  it('a failed ARI request nobody awaited: logged at error with its stack, and the engine keeps running', async () => {
    const { child } = await started('harmless');
    child.kill('SIGUSR2');
    await until('the error line', () => lines(child).some((l) => l.component === 'process'), 5000, child.output);
    await new Promise((r) => setTimeout(r, 1000));
    const line = lines(child).find((l) => l.component === 'process')!;
    expect(line.level).toBe('error');
    expect(line.msg).toBe('unhandled rejection, harmless (a failed request to Asterisk or a notification peer); the engine keeps running: ARI channels.play: socket hang up');
    expect(line.err?.stack).toMatch(/\n\s+at /);
    child.kill('SIGTERM');
    const end = await child.ended;
    expect(end).toMatchObject({ code: 0, signal: null });
  }, 40_000);

  it.each([
    ['rejection', 'unhandled rejection: boom from a promise'],
    ['exception', 'uncaught exception: boom from a timer'],
  ])('an unhandled %s: logged at fatal with its stack, the database closed cleanly, exit code 1', async (trigger, what) => {
    const { child, db } = await started(trigger);
    child.kill('SIGUSR2');
    const end = await child.ended;
    expect(end).toMatchObject({ code: 1, signal: null });
    const line = lines(child).find((l) => l.level === 'fatal');
    expect(line?.msg).toBe(`${what}; stopping the engine and exiting (code 1) so that the service manager restarts it and every caller is resumed`);
    expect(line?.err?.stack).toMatch(/\n\s+at /);
    // Closed by the engine's stop: SQLite folds the write-ahead log back and removes it.
    expect(readdirSync(join(db, '..')).filter((f) => f.endsWith('-wal'))).toEqual([]);
  }, 40_000);
});
