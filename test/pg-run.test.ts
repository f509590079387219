/** `run` (startEngine) with PBX_ROUTER_DB a postgres:// URL: the engine starts on PostgreSQL, takes a call into it, and never logs the password. */
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine } from '../src/main.js';
import { CallStore } from '../src/store/call-store.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { useStores } from './support/store-adapters.js';

const PASSWORD = 's3cret-db-password';
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until<T>(what: string, check: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('run on PostgreSQL', () => {
  const stores = useStores('postgres');

  it('starts on a postgres:// URL, writes the call there, and masks the password in its log', async () => {
    // The test server trusts local connections: the password is carried, never checked.
    const url = stores.location().replace('postgres://postgres@', `postgres://postgres:${PASSWORD}@`);
    const fake = new FakeAsterisk({ password: 'ari-secret' });
    const { port } = await fake.start();
    cleanups.push(() => fake.stop());
    const logs: string[] = [];
    const run = await startEngine({
      config: 'config/example-clinic.yaml',
      ariUrl: `http://127.0.0.1:${port}`,
      ariUser: '',
      ariPassword: 'ari-secret',
      app: 'pbx-router',
      database: url,
      logDestination: { write: (line: string) => logs.push(line.trimEnd()) },
      env: { LOG_LEVEL: 'debug' },
    });
    cleanups.push(() => run.stop());
    await until('the engine on the event socket', () => fake.isConnected('pbx-router'));
    fake.placeCall({ did: '+15125550100', caller: '+15125550123', script: { hangupAfter: 60_000 } });
    const reader = new CallStore(stores.reopen(url));
    const call = await until('the call in PostgreSQL', () => reader.callByCaller('+15125550123'));
    expect(call).toMatchObject({ did: '+15125550100', caller: '+15125550123' });
    expect(logs.join('\n')).toMatch(/database postgres:\/\/postgres:\*\*\*@/);
    expect(logs.join('\n')).not.toContain(PASSWORD);
  }, 30_000);
});
