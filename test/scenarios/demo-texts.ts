/**
 * Where the demo's texts go: a loopback SMS provider (test/fakes/sms-provider.ts) that answers like
 * the config's provider, so nothing leaves the machine. The engine loads a copy of the config
 * whose sms.provider.url points at it, and gets made-up credentials for the provider's auth in its
 * environment, as `run` reads them from the secrets file (never from the YAML).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadPlan } from '../../src/config/index.js';
import type { SmsProvider } from '../../src/routing/types.js';
import { startFakeSmsProvider, type FakeSmsOptions, type FakeSmsProvider } from '../fakes/sms-provider.js';

/** A made-up account (Twilio's Account SID goes into the URL as {user}). */
const DEMO_USER = 'ACdemo00000000000000000000000000';

export interface DemoTexts {
  /** The config file for the engine: the given one, or its copy with the loopback provider. */
  readonly config: string;
  /** The engine's environment, with the provider's credentials. */
  readonly env: NodeJS.ProcessEnv;
  /** The loopback provider; null when the config sends no texts. */
  readonly provider: FakeSmsProvider | null;
  /** Stops the provider and removes the copy. */
  close(): Promise<void>;
}

/** The loopback provider for `config` (a file), with credentials its auth needs; unchanged when the config has no sms: section. */
export async function loopbackTexts(config: string, env: NodeJS.ProcessEnv = process.env): Promise<DemoTexts> {
  const sms = loadPlan(config).plan?.sms;
  if (!sms) return { config, env, provider: null, close: async () => {} };
  const secret = randomBytes(16).toString('hex');
  const credentials = { basic: { SMS_PROVIDER_USER: DEMO_USER, SMS_PROVIDER_PASSWORD: secret }, bearer: { SMS_PROVIDER_TOKEN: secret }, none: {} }[sms.provider.auth];
  const provider = await startFakeSmsProvider({ style: sms.provider.body === 'form' ? 'twilio' : 'json', auth: fakeAuth(sms.provider, secret), idempotencyHeader: sms.provider.idempotencyHeader });
  const doc = parseDocument(readFileSync(config, 'utf8'));
  // Keep the provider's path ({user} included), change where it is.
  doc.setIn(['sms', 'provider', 'url'], String(doc.getIn(['sms', 'provider', 'url'])).replace(/^https?:\/\/[^/]+/, provider.url));
  const dir = mkdtempSync(join(tmpdir(), 'pbx-demo-'));
  const copy = join(dir, basename(config));
  writeFileSync(copy, doc.toString());
  return {
    config: copy,
    env: { ...env, ...credentials },
    provider,
    async close() {
      await provider.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function fakeAuth(p: SmsProvider, secret: string): FakeSmsOptions['auth'] {
  if (p.auth === 'basic') return { basic: { user: DEMO_USER, password: secret } };
  if (p.auth === 'bearer') return { bearer: secret };
  return null;
}
