import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeVariants, variant } from './scenarios/after-hours.js';
import { didExtensions } from '../src/asterisk/asterisk-config.js';
import { main, type Io } from '../src/cli/main.js';
import { loadPlan } from '../src/config/index.js';
import { sipPasswordKey } from '../src/config/secrets.js';
import { sections, type Section } from './support/asterisk-conf.js';

/** Applications of one extension in priority order, across every section with that context name. */
function extension(all: Section[], context: string, exten: string): string[] {
  const apps: string[] = [];
  for (const s of all.filter((x) => x.name === context)) {
    let inside = false;
    for (const [key, value] of s.lines) {
      const [x, priority, ...rest] = value.split(',');
      if (key === 'exten') inside = x === exten && priority !== 'hint';
      if (inside && key === 'exten') apps.push(rest.join(','));
      else if (inside && key === 'same') apps.push(value.split(',').slice(1).join(','));
    }
  }
  return apps;
}

const get = (s: Section | undefined, key: string) => s?.lines.find(([k]) => k === key)?.[1];

async function cli(...args: string[]) {
  let out = '';
  let err = '';
  const io: Io = { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) };
  return { code: await main(['node', 'pbx-router', ...args], io), out, err };
}

const password = (phone: string) => `pw-${phone}-${'x'.repeat(12)};tail`;

const ARI = 'ari-password-0123456789';
const AMI = 'ami-password-0123456789';

/** A 0600 secrets file with ARI and AMI passwords and one for every phone except `without`. */
function secretsFor(phones: string[], without: string[] = [], pin = '482913'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pbx-astcfg-')), 'secrets.env');
  const lines = phones.filter((p) => !without.includes(p)).map((p) => `${sipPasswordKey(p)}=${password(p)}`);
  writeFileSync(path, [`ASTERISK_ARI_PASSWORD=${ARI}`, `ASTERISK_AMI_PASSWORD=${AMI}`, `FAILSAFE_VOICEMAIL_PIN=${pin}`, ...lines].join('\n') + '\n');
  chmodSync(path, 0o600);
  return path;
}

describe.each(['config/example-clinic.yaml', 'config/example-network.yaml'])('pbx-router asterisk-config from %s', (config) => {
  const plan = loadPlan(config).plan!;
  const phones = [...plan.agents.values()].map((a) => a.endpoint.replace(/^PJSIP\//, ''));
  const dids = [...plan.sites.values()].flatMap((s) => s.dids);

  async function generate(without: string[] = []) {
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-astcfg-out-')), 'generated');
    const r = await cli('asterisk-config', '--config', config, '--out', out, '--secrets', secretsFor(phones, without));
    return { ...r, out };
  }

  it('every agent desk phone gets an endpoint (context phones, ulaw/alaw), an auth with its password and an aor (max_contacts 1, qualify)', async () => {
    const r = await generate();
    expect(r.code, r.err).toBe(0);
    const pjsip = sections(readFileSync(join(r.out, 'pjsip-phones.conf'), 'utf8'));
    expect(phones.length).toBeGreaterThan(0);
    for (const p of phones) {
      const of = (type: string) => pjsip.find((s) => s.name === p && get(s, 'type') === type);
      expect(get(of('endpoint'), 'context'), p).toBe('phones');
      expect(get(of('endpoint'), 'allow')).toBe('ulaw,alaw');
      expect(get(of('endpoint'), 'disallow')).toBe('all');
      expect(get(of('endpoint'), 'auth')).toBe(p);
      expect(get(of('endpoint'), 'aors')).toBe(p);
      expect(get(of('auth'), 'username')).toBe(p);
      // ';' starts a comment in Asterisk: the password is written with '\;' so it is not cut short.
      expect(get(of('auth'), 'password')).toBe(password(p).replace(';', '\\;'));
      expect(get(of('aor'), 'max_contacts')).toBe('1');
      expect(Number(get(of('aor'), 'qualify_frequency'))).toBeGreaterThan(0);
    }
    expect(pjsip.length).toBe(phones.length * 3);
  });

  it('every site DID, in each form a carrier sends, reaches Stasis with the DID and then the failsafe, like _X. in extensions.conf', async () => {
    const r = await generate();
    const merged = sections(readFileSync('dialplan/extensions.conf', 'utf8') + '\n' + readFileSync(join(r.out, 'extensions-dids.conf'), 'utf8'));
    const catchAll = extension(merged, 'from-carrier', '_X.');
    expect(dids.length).toBeGreaterThan(0);
    for (const did of dids) {
      const [main, ...others] = didExtensions(did);
      const apps = extension(merged, 'from-carrier', main!);
      expect(apps[0]).toMatch(/^NoOp\(/);
      expect(apps.slice(1), did).toEqual(catchAll.slice(1).map((a) => a.replace('${EXTEN}', did)));
      expect(apps[1]).toBe(`Stasis(\${ROUTER_APP},${did})`);
      for (const o of others) expect(extension(merged, 'from-carrier', o)).toEqual([`Goto(${main},1)`]);
    }
    expect(merged.some((s) => s.name === 'router-failsafe')).toBe(true);
  });

  it('every desk phone has a hint in [phones] and can still be dialled directly', async () => {
    const r = await generate();
    const gen = sections(readFileSync(join(r.out, 'extensions-dids.conf'), 'utf8'));
    const phoneLines = gen.filter((s) => s.name === 'phones').flatMap((s) => s.lines);
    for (const p of phones) {
      expect(phoneLines).toContainEqual(['exten', `${p},hint,PJSIP/${p}`]);
      expect(extension(gen, 'phones', p)).toEqual([`Dial(PJSIP/${p},20)`, 'Hangup()']);
    }
  });

  it('files with passwords are written 0600, the dialplan 0644, and no temporary file is left', async () => {
    const r = await generate();
    for (const f of ['pjsip-phones.conf', 'ari.conf', 'manager.conf', 'voicemail.conf']) expect(statSync(join(r.out, f)).mode & 0o777, f).toBe(0o600);
    expect(statSync(join(r.out, 'extensions-dids.conf')).mode & 0o777).toBe(0o644);
    expect(statSync(join(r.out, 'pjsip-carrier.conf')).mode & 0o777).toBe(0o644);
    expect(readdirSync(r.out).sort()).toEqual(['ari.conf', 'extensions-dids.conf', 'manager.conf', 'pjsip-carrier.conf', 'pjsip-phones.conf', 'voicemail.conf']);
    const dids = readFileSync(join(r.out, 'extensions-dids.conf'), 'utf8');
    for (const secret of ['pw-', ARI, AMI]) expect(dids).not.toContain(secret);
  });

  it('ari.conf and manager.conf are the dialplan/ files with the ARI and AMI passwords filled in, nothing else changed', async () => {
    const r = await generate();
    for (const [file, placeholder, secret, section, key] of [
      ['ari.conf', '${ARI_PASSWORD}', ARI, 'router', 'password'],
      ['manager.conf', '${AMI_PASSWORD}', AMI, 'router', 'secret'],
    ] as const) {
      const template = sections(readFileSync(`dialplan/${file}`, 'utf8'));
      const rendered = sections(readFileSync(join(r.out, file), 'utf8'));
      expect(get(rendered.find((s) => s.name === section), key), file).toBe(secret);
      const withPlaceholder = rendered.map((s) => ({ name: s.name, lines: s.lines.map(([k, v]) => [k, v.replace(secret, placeholder)]) }));
      expect(withPlaceholder).toEqual(template);
    }
  });

  it('a phone without a password is an error naming the phone and the key; nothing is written, no secret printed', async () => {
    const missing = phones[1]!;
    const r = await generate([missing]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`desk phone PJSIP/${missing}`);
    expect(r.err).toContain(`add ${sipPasswordKey(missing)}=`);
    expect(r.err).not.toContain('pw-');
    expect(existsSync(r.out)).toBe(false);
  });
});

describe('an output folder that cannot be written', () => {
  it('is a clear error, not a stack trace', async () => {
    const plan = loadPlan('config/example-clinic.yaml').plan!;
    const blocker = join(mkdtempSync(join(tmpdir(), 'pbx-astcfg-')), 'a-file');
    writeFileSync(blocker, '');
    const r = await cli('asterisk-config', '-c', 'config/example-clinic.yaml', '--out', join(blocker, 'out'), '--secrets', secretsFor([...plan.agents.values()].map((a) => a.endpoint.slice(6))));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot write to ${join(blocker, 'out')} (ENOTDIR)`);
  });
});

describe('the ARI and AMI passwords are required for ari.conf and manager.conf', () => {
  it('a secrets file without them names both keys and writes nothing', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'pbx-astcfg-')), 'secrets.env');
    const plan = loadPlan('config/example-clinic.yaml').plan!;
    writeFileSync(path, [...plan.agents.values()].map((a) => `${sipPasswordKey(a.endpoint)}=a-long-enough-password`).join('\n'), { mode: 0o600 });
    const out = join(path, '..', 'out');
    const r = await cli('asterisk-config', '-c', 'config/example-clinic.yaml', '--out', out, '--secrets', path);
    expect(r.code).toBe(1);
    expect(r.err).toContain('the ARI user router has no password: add ASTERISK_ARI_PASSWORD=');
    expect(r.err).toContain('the AMI user router has no password: add ASTERISK_AMI_PASSWORD=');
    expect(existsSync(out)).toBe(false);
  });
});

describe('generated files are included by the shipped Asterisk configuration', () => {
  it.each([
    ['pjsip.conf', 'generated/pjsip-phones.conf'],
    ['pjsip.conf', 'generated/carrier.conf'],
    ['pjsip.conf', 'generated/pjsip-carrier.conf'],
    ['extensions.conf', 'generated/extensions-dids.conf'],
  ])('%s includes %s', (file, generated) => {
    expect(readFileSync(`dialplan/${file}`, 'utf8')).toMatch(new RegExp(`^#(try)?include ${generated}$`, 'm'));
  });
});

describe('weak and unsafe passwords are refused', () => {
  it.each([
    ['short1', 'shorter than 12'],
    ['with a space inside', 'contains a space'],
  ])('%s', async (pw, why) => {
    const path = join(mkdtempSync(join(tmpdir(), 'pbx-astcfg-')), 'secrets.env');
    const plan = loadPlan('config/example-clinic.yaml').plan!;
    const phones = [...plan.agents.values()].map((a) => `${sipPasswordKey(a.endpoint)}=${a.id === 'maria' ? pw : 'a-long-enough-password'}`);
    writeFileSync(path, [`ASTERISK_ARI_PASSWORD=${ARI}`, `ASTERISK_AMI_PASSWORD=${AMI}`, 'FAILSAFE_VOICEMAIL_PIN=482913', ...phones].join('\n'));
    chmodSync(path, 0o600);
    const r = await cli('asterisk-config', '-c', 'config/example-clinic.yaml', '--out', join(path, '..', 'out'), '--secrets', path);
    expect(r.code).toBe(1);
    expect(r.err).toContain('SIP_PASSWORD_1001');
    expect(r.err).toContain(why);
    expect(r.err).not.toContain(pw);
  });
});

const PHONES = ['1001', '1002', '1003', '1004', '1005', '1006', '1007'];

describe('the carrier trunk from outbound.carrier', () => {
  it('endpoint carrier (from-carrier, media through Asterisk), an aor at host:port with qualify, and identify by the host', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-carrier-')), 'gen');
    expect((await cli('asterisk-config', '--config', 'config/example-clinic.yaml', '--out', out, '--secrets', secretsFor(PHONES))).code).toBe(0);
    const conf = sections(readFileSync(join(out, 'pjsip-carrier.conf'), 'utf8'));
    const of = (type: string) => conf.find((x) => x.name === 'carrier' && get(x, 'type') === type);
    expect(get(of('endpoint'), 'context')).toBe('from-carrier');
    expect(get(of('endpoint'), 'direct_media')).toBe('no');
    expect(get(of('endpoint'), 'dtmf_mode')).toBe('rfc4733');
    expect(get(of('aor'), 'contact')).toBe('sip:sip.carrier.example:5060');
    expect(get(of('identify'), 'match')).toBe('sip.carrier.example');
    // The trunk dial string names this endpoint.
    expect(loadPlan('config/example-clinic.yaml').plan!.outbound!.trunk).toBe('PJSIP/{number}@carrier');
  });

  it('a carrier that authenticates: outbound_auth names the auth section kept in generated/carrier.conf', async () => {
    const config = variant({ 'outbound.carrier': { host: '203.0.113.10', port: 5080, match: ['203.0.113.0/28'], outboundAuth: 'carrier-auth' } });
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-carrier-')), 'gen');
    expect((await cli('asterisk-config', '--config', config, '--out', out, '--secrets', secretsFor(PHONES))).code).toBe(0);
    const conf = sections(readFileSync(join(out, 'pjsip-carrier.conf'), 'utf8'));
    const of = (type: string) => conf.find((x) => x.name === 'carrier' && get(x, 'type') === type);
    expect(get(of('endpoint'), 'outbound_auth')).toBe('carrier-auth');
    expect(get(of('aor'), 'contact')).toBe('sip:203.0.113.10:5080');
    expect(get(of('identify'), 'match')).toBe('203.0.113.0/28');
    removeVariants();
  });

  it('without outbound.carrier the file only says where the trunk goes instead', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-carrier-')), 'gen');
    const net = loadPlan('config/example-network.yaml').plan!;
    const phones = [...net.agents.values()].map((a) => a.endpoint.replace(/^PJSIP\//, ''));
    expect((await cli('asterisk-config', '--config', 'config/example-network.yaml', '--out', out, '--secrets', secretsFor(phones))).code).toBe(0);
    const text = readFileSync(join(out, 'pjsip-carrier.conf'), 'utf8');
    expect(sections(text).filter((x) => x.name === 'carrier')).toEqual([]);
    expect(text).toContain('generated/carrier.conf');
  });
});

describe('the failsafe voicemail box', () => {
  it('voicemail.conf holds 100@default with the PIN from the secrets file, and a desk phone can reach it with *97', async () => {
    const path = secretsFor(PHONES, [], '482913');
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-vm-')), 'gen');
    expect((await cli('asterisk-config', '--config', 'config/example-clinic.yaml', '--out', out, '--secrets', path)).code).toBe(0);
    const vm = sections(readFileSync(join(out, 'voicemail.conf'), 'utf8'));
    expect(get(vm.find((s) => s.name === 'default'), '100')).toBe('482913,Failsafe (pbx-router was not available)');
    expect(get(vm.find((s) => s.name === 'general'), 'attach')).toBe('no');
    const dialplan = sections(readFileSync('dialplan/extensions.conf', 'utf8'));
    const globals = dialplan.find((s) => s.name === 'globals');
    expect(get(globals, 'FAILSAFE_MAILBOX')).toBe('100@default');
    expect(extension(dialplan, 'phones', '*97')[0]).toBe('VoiceMailMain(${FAILSAFE_MAILBOX})');
  });

  it('without a PIN of at least 6 digits nothing is written', async () => {
    const path = secretsFor(PHONES, [], '12ab');
    const out = join(mkdtempSync(join(tmpdir(), 'pbx-vm-')), 'gen');
    const r = await cli('asterisk-config', '--config', 'config/example-clinic.yaml', '--out', out, '--secrets', path);
    expect(r.code).toBe(1);
    expect(r.err).toContain('add FAILSAFE_VOICEMAIL_PIN=<digits>');
    expect(r.err).not.toContain('12ab');
    expect(existsSync(out)).toBe(false);
  });
});
