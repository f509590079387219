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

  it('starts on a postgres:// URL and writes the call there; with the server down a call is still routed, and once it is back it is recorded late and calls are written again; the password is masked in its log', async () => {
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
    // The server goes away: the engine keeps routing (on the last known day/night and on-call
    // overrides), never the failsafe or silence; once the server is back the call is recorded late.
    await stores.server().shutdown();
    const during = fake.placeCall({ did: '+15125550100', caller: '+15125550124', script: { hangupAfter: 60_000 } });
    await until('the call routed during the outage', () => logs.some((l) => /last known value/.test(l)) && logs.some((l) => l.includes(during.channelId) && /"step":"decision"/.test(l)));
    expect(fake.inStasis(during.channelId)).toBe(true);
    expect(logs.some((l) => /failsafe dialplan/.test(l))).toBe(false);
    // A caller who hangs up before the store is back: recorded late too, with the end.
    const short = fake.placeCall({ did: '+15125550100', caller: '+15125550126', script: { hangupAfter: 1500 } });
    await until('the short call over', () => fake.hearing(short.channelId) === 'gone');
    await stores.server().start();
    fake.placeCall({ did: '+15125550100', caller: '+15125550125', script: { hangupAfter: 60_000 } });
    const after = await until('the next call in PostgreSQL', () => {
      try {
        return reader.callByCaller('+15125550125');
      } catch {
        return undefined; // the reader's own connection was dropped by the shutdown: the next try connects again
      }
    });
    const late = await until('the outage call recorded late', () => reader.callByCaller('+15125550124'));
    expect(reader.events(late.id).map((e) => e.type)).toContain('recorded-late');
    expect(late.endedAt).toBeNull();
    const ended = await until('the short call recorded late', () => reader.callByCaller('+15125550126'));
    expect(ended.endedAt).not.toBeNull();
    expect(ended.outcome).toBe('hung-up-early');
    expect(reader.events(ended.id).find((e) => e.type === 'recorded-late')?.data).toMatchObject({ endedMeanwhile: true });
    expect(after).toMatchObject({ caller: '+15125550125' });
    expect(logs.join('\n')).toMatch(/database postgres:\/\/postgres:\*\*\*@/);
    expect(logs.join('\n')).not.toContain(PASSWORD);
  }, 45_000);
});
