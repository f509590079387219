import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.js';
import { parseSecrets, readSecretsFile, SecretsError, secretsFile, sipPasswordKey, withSecrets } from '../src/config/secrets.js';
import { startAdmin, type AdminServer } from '../src/http/admin.js';
import { engineOnFakePbx } from './support/engine-fixture.js';

const SECRET = 'Very-Secret-Value-42';
const dir = () => mkdtempSync(join(tmpdir(), 'pbx-secrets-'));

function file(text: string, mode = 0o600): string {
  const path = join(dir(), 'secrets.env');
  writeFileSync(path, text);
  chmodSync(path, mode);
  return path;
}

function error(f: () => unknown): SecretsError {
  try {
    f();
  } catch (e) {
    if (e instanceof SecretsError) return e;
    throw e;
  }
  throw new Error('expected a SecretsError');
}

describe('the secrets file', () => {
  it('reads KEY=value lines: comments, blank lines, quotes, export, = inside a value', () => {
    const s = readSecretsFile(file(`# pbx-router secrets\n\nASTERISK_ARI_PASSWORD=${SECRET}\nexport SMTP_PASSWORD="with spaces = and #"\nSIP_PASSWORD_1001='a=b'\r\nEMPTY=\n`));
    expect(Object.fromEntries(s)).toEqual({ ASTERISK_ARI_PASSWORD: SECRET, SMTP_PASSWORD: 'with spaces = and #', SIP_PASSWORD_1001: 'a=b', EMPTY: '' });
  });

  it.each([0o644, 0o640, 0o604, 0o660, 0o606])('refuses mode %o with chmod 600 in the message, naming the file', (mode) => {
    const path = file(`ASTERISK_ARI_PASSWORD=${SECRET}\n`, mode);
    const e = error(() => readSecretsFile(path));
    expect(e.code).toBe('secrets-permissions');
    expect(e.message).toContain(path);
    expect(e.message).toContain(`chmod 600 ${path}`);
    expect(e.message).not.toContain(SECRET);
  });

  it('a malformed or duplicated line is reported by line number without its text', () => {
    const e = error(() => parseSecrets(`A=1\n${SECRET}\nA=2\n`, 'x.env'));
    expect(e.code).toBe('secrets-syntax');
    expect(e.message).toContain('x.env:2: expected KEY=value');
    expect(e.message).toContain('x.env:3: A is set twice (first on line 1)');
    expect(e.message).not.toContain(SECRET);
  });

  it('--secrets, then PBX_ROUTER_SECRETS, then the default path only if it exists', () => {
    const a = file('A=1\n');
    const b = file('B=1\n');
    expect(secretsFile(a, { PBX_ROUTER_SECRETS: b }, '/nonexistent')).toBe(a);
    expect(secretsFile(undefined, { PBX_ROUTER_SECRETS: b }, a)).toBe(b);
    expect(secretsFile(undefined, {}, a)).toBe(a);
    expect(secretsFile(undefined, {}, join(dir(), 'absent.env'))).toBeNull();
    expect(error(() => secretsFile('/nonexistent/secrets.env', {})).message).toMatch(/secrets file \/nonexistent\/secrets.env \(from --secrets\) does not exist.*chmod 600/);
    expect(error(() => secretsFile(undefined, { PBX_ROUTER_SECRETS: '/nope.env' })).message).toContain('(from PBX_ROUTER_SECRETS)');
  });

  it('environment variables override the file, except when set but empty (compose passes ${X:-} as "")', () => {
    const path = file('ASTERISK_ARI_PASSWORD=from-file\nSMTP_PASSWORD=from-file\nSIP_PASSWORD_1001=phone\n');
    const env = withSecrets(path, { ASTERISK_ARI_PASSWORD: 'from-env', SMTP_PASSWORD: '', PATH: '/bin' });
    expect(env).toMatchObject({ ASTERISK_ARI_PASSWORD: 'from-env', SMTP_PASSWORD: 'from-file', SIP_PASSWORD_1001: 'phone', PATH: '/bin' });
  });

  it('without a file the environment is used unchanged', () => {
    const env = { ASTERISK_ARI_PASSWORD: 'x' };
    expect(withSecrets(null, env)).toBe(env);
  });

  it.each([
    ['PJSIP/1001', 'SIP_PASSWORD_1001'],
    ['1001', 'SIP_PASSWORD_1001'],
    ['PJSIP/front-desk.2', 'SIP_PASSWORD_FRONT_DESK_2'],
  ])('desk phone %s has the key %s', (phone, key) => expect(sipPasswordKey(phone)).toBe(key));
});

describe('operator commands take the admin token from the secrets file', () => {
  const servers: AdminServer[] = [];
  afterEach(async () => {
    while (servers.length) await servers.pop()!.close();
  });

  async function cli(...args: string[]) {
    let out = '';
    let err = '';
    const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
    return { code: await main(['node', 'pbx-router', ...args], io), out, err: () => err };
  }

  it('status --secrets <file> reaches the engine; a group-readable file is refused without showing the token', async () => {
    const token = 'secret-file-admin-token-0123456789';
    // Monday 2026-11-23 16:00 UTC: 10:00 at the clinic.
    const { engine } = engineOnFakePbx({ at: '2026-11-23T10:00' });
    const admin = await startAdmin({ engine, token, reload: () => ({ ok: true, version: 'x' }), health: () => ({ ari: 'connected', ami: null }) }, '127.0.0.1', 0);
    servers.push(admin);
    expect(process.env.PBX_ROUTER_ADMIN_TOKEN).toBeUndefined();
    const path = file(`PBX_ROUTER_ADMIN_TOKEN=${token}\n`);
    const ok = await cli('status', '--engine', admin.url, '--secrets', path);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ARI connected/);
    chmodSync(path, 0o640);
    const refused = await cli('status', '--engine', admin.url, '--secrets', path);
    expect(refused.code).toBe(2);
    expect(refused.err()).toContain(`chmod 600 ${path}`);
    expect(refused.err()).not.toContain(token);
  });

  it('run takes the ARI password from the secrets file: it gets past the password check to the config check', async () => {
    expect(process.env.ASTERISK_ARI_PASSWORD).toBeUndefined();
    const bad = join(dir(), 'broken.yaml');
    writeFileSync(bad, 'clinic: [\n');
    const without = await cli('run', '-c', bad, '--secrets', file('SMTP_PASSWORD=x\n'));
    expect(without.code).toBe(2);
    expect(without.err()).toContain('set the ARI password (ASTERISK_ARI_PASSWORD) in the secrets file or the environment');
    const withIt = await cli('run', '-c', bad, '--db', ':memory:', '--secrets', file(`ASTERISK_ARI_PASSWORD=${SECRET}\n`));
    expect(withIt.code).toBe(1);
    expect(withIt.err()).toMatch(/the configuration has \d+ problem/);
    expect(withIt.err()).not.toContain(SECRET);
  });

  it('run names the secrets file when it does not exist', async () => {
    const r = await cli('run', '-c', 'config/example-clinic.yaml', '--secrets', '/nonexistent/secrets.env');
    expect(r.code).toBe(2);
    expect(r.err()).toContain('the secrets file /nonexistent/secrets.env (from --secrets) does not exist');
  });
});
