/**
 * Where the demo's texts go: a loopback SMS provider (test/fakes/sms-provider.ts) that answers like
 * the config's provider, so nothing leaves the machine. The engine loads a copy of the config
 * whose sms.provider.url points at it, and gets made-up credentials for the provider's auth in its
 * environment, as `run` reads them from the secrets file (never from the YAML). Other copies
 * (`variant`, e.g. with transcription on) carry the same provider.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseDocument, type Document } from 'yaml';
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
  /** Writes another copy of `config` changed by `edit` (in the same folder, removed by close) and returns its path. */
  variant(name: string, edit: (doc: Document) => void): string;
  /** Stops the provider and removes the copies. */
  close(): Promise<void>;
}

/** The loopback provider for `config` (a file), with credentials its auth needs; unchanged when the config has no sms: section. */
export async function loopbackTexts(config: string, env: NodeJS.ProcessEnv = process.env): Promise<DemoTexts> {
  const sms = loadPlan(config).plan?.sms;
  let dir: string | null = null;
  const write = (name: string, doc: Document) => {
    dir ??= mkdtempSync(join(tmpdir(), 'pbx-demo-'));
    const copy = join(dir, name);
    writeFileSync(copy, doc.toString());
    return copy;
  };
  const remove = () => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
  if (!sms) {
    const variant = (name: string, edit: (doc: Document) => void) => {
      const doc = parseDocument(readFileSync(config, 'utf8'));
      edit(doc);
      return write(`${name}-${basename(config)}`, doc);
    };
    return { config, env, provider: null, variant, close: async () => remove() };
  }
  const secret = randomBytes(16).toString('hex');
  const credentials = { basic: { SMS_PROVIDER_USER: DEMO_USER, SMS_PROVIDER_PASSWORD: secret }, bearer: { SMS_PROVIDER_TOKEN: secret }, none: {} }[sms.provider.auth];
  const provider = await startFakeSmsProvider({ style: sms.provider.body === 'form' ? 'twilio' : 'json', auth: fakeAuth(sms.provider, secret), idempotencyHeader: sms.provider.idempotencyHeader });
  const withProvider = () => {
    const doc = parseDocument(readFileSync(config, 'utf8'));
    // Keep the provider's path ({user} included), change where it is.
    doc.setIn(['sms', 'provider', 'url'], String(doc.getIn(['sms', 'provider', 'url'])).replace(/^https?:\/\/[^/]+/, provider.url));
    return doc;
  };
  return {
    config: write(basename(config), withProvider()),
    env: { ...env, ...credentials },
    provider,
    variant(name, edit) {
      const doc = withProvider();
      edit(doc);
      return write(`${name}-${basename(config)}`, doc);
    },
    async close() {
      await provider.close();
      remove();
    },
  };
}

function fakeAuth(p: SmsProvider, secret: string): FakeSmsOptions['auth'] {
  if (p.auth === 'basic') return { basic: { user: DEMO_USER, password: secret } };
  if (p.auth === 'bearer') return { bearer: secret };
  return null;
}
