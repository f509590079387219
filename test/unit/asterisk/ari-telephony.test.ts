import { describe, expect, it } from 'vitest';
import { toTelephonyError } from '../../../src/asterisk/ari-telephony.js';
import { toE164 } from '../../../src/routing/e164.js';

describe('Asterisk error bodies become typed errors (ari-client drops the status code)', () => {
  it.each([
    ['{"message":"Channel not found"}', 'not-found'],
    ['{"message":"Bridge not found"}', 'not-found'],
    ['{"message":"Playback not found"}', 'not-found'],
    ['{"message":"Channel not in Stasis application"}', 'not-in-stasis'],
    ['{"error":"Allocation failed"}', 'allocation-failed'],
    ['{"message":"Channel with given unique ID already exists"}', 'conflict'],
    ['{"message":"Failed to queue media for playback"}', 'pbx-error'],
    ['connect ECONNREFUSED 127.0.0.1:8088', 'disconnected'],
  ])('%s -> %s', (body, code) => {
    const e = toTelephonyError(new Error(body), 'channels.answer');
    expect(e.code).toBe(code);
    expect(e.message).toMatch(/^ARI channels\.answer: /);
  });
});

describe('numbers from Asterisk to E.164', () => {
  it.each([
    ['+15125550100', '+15125550100'],
    ['5125550100', '+15125550100'],
    ['15125550100', '+15125550100'],
    ['5550123', '5550123'],
    ['1001', '1001'],
    ['anonymous', 'anonymous'],
    ['', ''],
    ['00442071234567', '+442071234567'],
  ])('%s -> %s', (raw, e164) => {
    expect(toE164(raw)).toBe(e164);
  });
});
