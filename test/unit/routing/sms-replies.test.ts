/** Reading a patient's reply (STOP, START, anything else), the site it is for, and numbers typed at the front desk. */
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/config/index.js';
import { e164Number, maskNumber } from '../../../src/routing/e164.js';
import { replySite, smsReply } from '../../../src/routing/sms-replies.js';

describe('smsReply', () => {
  it.each([
    ['STOP', 'opt-out'],
    [' stop\n', 'opt-out'],
    ['Stop!', 'opt-out'],
    ['STOPALL', 'opt-out'],
    ['Unsubscribe', 'opt-out'],
    ['cancel', 'opt-out'],
    ['End', 'opt-out'],
    ['QUIT.', 'opt-out'],
    ['optout', 'opt-out'],
    ['Revoke', 'opt-out'],
    ['START', 'opt-in'],
    ['unstop', 'opt-in'],
    ['yes', 'opt-in'],
    ['stop it', 'other'],
    ['please stop texting me', 'other'],
    ['STOP STOP', 'other'],
    ['S T O P', 'other'],
    ['yes please', 'other'],
    ['', 'other'],
    ['When do you open?', 'other'],
  ] as const)('%j is %s', (body, kind) => {
    expect(smsReply(body)).toBe(kind);
  });
});

describe('replySite', () => {
  const clinic = loadPlan('config/example-clinic.yaml').plan!;
  const network = loadPlan('config/example-network.yaml').plan!;
  it.each([
    ['the one site of the clinic, whose DID is also sms.from', clinic, '+15125550100', 'riverside'],
    ['a number that is no site', clinic, '+15125550999', null],
    ['a site of several, by its DID', network, '+17135550300', 'houston'],
    ['the shared sending number of several sites', network, '+18005550100', null],
  ] as const)('%s', (_what, plan, to, site) => {
    expect(replySite(plan, to)).toBe(site);
  });

  it('a site DID that is also sms.from of several sites is every site', () => {
    const shared = { ...network, sms: { ...network.sms!, from: '+17135550300' } };
    expect(replySite(shared, '+17135550300')).toBeNull();
    expect(replySite(shared, '+19155550400')).toBe('el-paso');
  });
});

describe('numbers typed at the front desk', () => {
  it.each([
    ['+15125550123', '1', '+15125550123'],
    ['512-555-0123', '1', '+15125550123'],
    ['(512) 555 0123', '1', '+15125550123'],
    ['1 512 555 0123', '1', '+15125550123'],
    ['0044 7700 900123', '44', '+447700900123'],
    ['+1512555012x', '1', null],
    ['555-0123', '1', null],
    ['', '1', null],
    ['anonymous', '1', null],
    ['+0123456789', '1', null],
  ] as const)('%j (home country %s) is %s', (raw, country, e164) => {
    expect(e164Number(raw, country)).toBe(e164);
  });

  it.each([
    ['+15125550123', '+1512•••••23'],
    ['+447700900123', '+4477••••••23'],
    ['+3312345678', '+3312••••78'],
    ['5550123', '5••••23'],
    ['anonymous', 'anonymous'],
  ])('%s is shown as %s', (n, shown) => {
    expect(maskNumber(n)).toBe(shown);
  });
});
