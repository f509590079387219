/**
 * The config the shared live scenarios run on, on both backends: the example clinic with its
 * carrier trunk at the test carrier (127.0.0.2:5062, where the real tier's SIPp answers for the
 * clinicians' cells), its SMS provider on loopback, and short wrap-up times, so a scenario of real
 * seconds can reuse its agents. Scenario-specific changes go on top (see `variant`).
 */
import { startFakeSmsProvider, type FakeSmsProvider } from '../fakes/sms-provider.js';

export const TEST_CARRIER = { host: '127.0.0.2', port: 5062 } as const;

/** The SMS account of the scenarios (the example's Twilio-style provider: basic auth, the user in the URL). */
export const TEST_SMS_ACCOUNT = { user: 'AC5cenar1o5', password: 'scenario-sms-auth-token' } as const;

/** The engine's environment for TEST_SMS_ACCOUNT, as a clinic's secrets file gives it. */
export const TEST_SMS_ENV = { SMS_PROVIDER_USER: TEST_SMS_ACCOUNT.user, SMS_PROVIDER_PASSWORD: TEST_SMS_ACCOUNT.password } as const;

/** A loopback provider that answers like Twilio's Messages API (no idempotency key, as the example config says). */
export const startTestSmsProvider = (): Promise<FakeSmsProvider> => startFakeSmsProvider({ style: 'twilio', auth: { basic: TEST_SMS_ACCOUNT }, idempotencyHeader: null });

/** Dotted-path changes to config/example-clinic.yaml shared by every scenario; with `smsProvider`, texts go to that URL's Messages API. */
export function tierConfig(smsProvider?: string): Record<string, unknown> {
  const wrap: Record<string, unknown> = {};
  for (const agent of ['maria', 'james', 'aisha', 'linda', 'carlos', 'emily', 'sofia']) wrap[`agents.${agent}.wrapUp`] = 3;
  const sms = smsProvider ? { 'sms.provider.url': `${smsProvider}/2010-04-01/Accounts/{user}/Messages.json` } : {};
  return { 'outbound.carrier': { ...TEST_CARRIER }, ...wrap, ...sms };
}
