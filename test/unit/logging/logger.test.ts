import { describe, expect, it } from 'vitest';
import { createLogger, lineLog, logLevel, textLogger, type LineSink } from '../../../src/logging/logger.js';
import { redactor, secretsOf } from '../../../src/logging/redact.js';

/** A sink that keeps the lines, parsed. */
function memory(): LineSink & { lines: string[]; parsed: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  return { lines, write: (l: string) => lines.push(l), parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('redaction', () => {
  const r = redactor(['ari-password-123', 'tok']);
  it.each([
    ['an E.164 caller', 'call from +15125550123 queued', 'call from +***0123 queued'],
    ['a cell in a dial string', 'refused to dial PJSIP/+15125550198@carrier', 'refused to dial PJSIP/+***0198@carrier'],
    ['a bare 10-digit number', 'originate PJSIP/5125550197@carrier', 'originate PJSIP/***0197@carrier'],
    ['7 digits', 'caller 5550123.', 'caller ***0123.'],
    ['two numbers', '+15125550123 -> +15125550199', '+***0123 -> +***0199'],
    ['the ARI adapter\'s raw event', 'ARI: ignored a malformed event (Unexpected token): {"type":"StasisStart","channel":{"id":"1764000000.42","caller":{"number":"5125550123"},"dialplan":{"exten":"+15125550100"', 'ARI: ignored a malformed event (Unexpected token): {"type":"StasisStart","channel":{"id":"1764000000.42","caller":{"number":"***0123"},"dialplan":{"exten":"+***0100"'],
    ['an Asterisk channel id is kept', 'channel 1764000000.42 hung up', 'channel 1764000000.42 hung up'],
    ['a hex config version is kept', 'config a1234567890b loaded', 'config a1234567890b loaded'],
    ['a call id is kept', 'call mjq8x2k0-1b: 6 digits 123456', 'call mjq8x2k0-1b: 6 digits 123456'],
    ['a secret', 'connecting with ari-password-123 now', 'connecting with [secret] now'],
    ['a secret in a URL', 'GET http://router:ari-password-123@127.0.0.1:8088/ari', 'GET http://router:[secret]@127.0.0.1:8088/ari'],
    ['a too short secret is not masked', 'token tok', 'token tok'],
  ])('%s', (_what, input, output) => {
    expect(r.text(input)).toBe(output);
  });

  it('applies to every string of a JSON line, nested ones and keys too, but not to the time and level', () => {
    const line = JSON.stringify({ level: 'info', time: '2026-11-23T16:00:00.000Z', msg: 'x +15125550123', call: { caller: '+15125550123', list: ['5125550199'] }, '+15125550100': 1, n: 15125550123 });
    expect(JSON.parse(r.line(`${line}\n`))).toEqual({ level: 'info', time: '2026-11-23T16:00:00.000Z', msg: 'x +***0123', call: { caller: '+***0123', list: ['***0199'] }, '+***0100': 1, n: 15125550123 });
    expect(r.line('not json +15125550123\n')).toBe('not json +***0123\n');
  });

  it('takes the secrets from the environment by their names, not PBX_ROUTER_SECRETS (a path)', () => {
    const env = { ASTERISK_ARI_PASSWORD: 'a-ari-pass', SIP_PASSWORD_1001: 'sip-pass-1001', PBX_ROUTER_ADMIN_TOKEN: 'admin-token-xyz', SMTP_PASSWORD: 'smtp-pass', FAILSAFE_VOICEMAIL_PIN: '4321', PBX_ROUTER_SECRETS: '/etc/pbx-router/secrets.env', PATH: '/usr/bin', SHORT_PASSWORD: 'ab' };
    expect(secretsOf(env, ['extra-secret', undefined]).sort()).toEqual(['4321', 'a-ari-pass', 'admin-token-xyz', 'extra-secret', 'sip-pass-1001', 'smtp-pass']);
  });
});

describe('the JSON logger', () => {
  it('writes JSON lines with level, ISO time, component and message, redacted', () => {
    const sink = memory();
    const log = createLogger({ destination: sink, secrets: ['s3cret-value'] }).child({ component: 'calls' });
    log.info({ call: 'c1', caller: '+15125550123' }, 'call c1 from +15125550123 answered');
    log.error({ err: new Error('ARI said no to s3cret-value') }, 'originate failed');
    log.debug('not written at info');
    const [first, second] = sink.parsed();
    expect(sink.lines).toHaveLength(2);
    expect(first).toMatchObject({ level: 'info', component: 'calls', call: 'c1', caller: '+***0123', msg: 'call c1 from +***0123 answered' });
    expect(first!.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(second).toMatchObject({ level: 'error', msg: 'originate failed', err: { message: 'ARI said no to [secret]' } });
    expect((second!.err as { stack: string }).stack).not.toContain('s3cret-value');
  });

  it('follows LOG_LEVEL and refuses a level that does not exist', () => {
    const sink = memory();
    const log = createLogger({ destination: sink, level: 'WARN' });
    log.info('quiet');
    log.warn('heard');
    expect(sink.parsed().map((l) => [l.level, l.msg])).toEqual([['warn', 'heard']]);
    expect(logLevel(undefined)).toBe('info');
    expect(logLevel('')).toBe('info');
    expect(() => logLevel('verbose')).toThrow("LOG_LEVEL 'verbose' is not a level; use one of trace, debug, info, warn, error, fatal, silent");
  });

  it('lineLog keeps the old (message) => void: warnings as warn, the rest as info; textLogger writes the message alone', () => {
    const sink = memory();
    const old = lineLog(createLogger({ destination: sink }).child({ component: 'prompts' }));
    old('warning: prompt riverside/welcome (en) is not on the Asterisk');
    old('prompts: all 12 sounds are on the Asterisk');
    expect(sink.parsed().map((l) => [l.level, l.component])).toEqual([['warn', 'prompts'], ['info', 'prompts']]);
    const text: string[] = [];
    textLogger((m) => text.push(m)).child({ component: 'x' }).error({ problem: 'p' }, 'reload: p');
    expect(text).toEqual(['reload: p']);
  });
});
