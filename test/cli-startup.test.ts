/**
 * Issue 13 with `pbx-router run` as a child process: every start-up check runs before anything is
 * started (finding 10: one line, a non-zero exit, no database, cron, AMI or ARI activity), and a
 * password written in the ARI URL works and never reaches the log (finding 12).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
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

/** `pbx-router run <args>` in a child process with `env` over a clean environment. */
export function runChild(args: string[], env: Record<string, string>): Child {
  const code = "const { main } = await import('./src/cli/main.ts'); process.exitCode = await main(['node', 'pbx-router', ...process.argv.slice(1)]);";
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
