/** The ARI adapter against the fake Asterisk over real HTTP and WebSocket. */
import { describe, expect, it } from 'vitest';
import { AriTelephony } from '../src/asterisk/ari-telephony.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';

describe('connecting prints nothing on stdout (issue 11: the deprecated-Swagger notice as an array)', () => {
  it('connects to the fake Asterisk with nothing written to stdout; the notice is not in the engine log either', async () => {
    const fake = new FakeAsterisk({ password: 'quiet-secret' });
    const { url } = await fake.start();
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const log = console.log;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    console.log = (...args: unknown[]) => written.push(args.map(String).join(' '));
    const logs: string[] = [];
    const t = new AriTelephony({ url, user: 'router', password: 'quiet-secret', app: 'pbx-router' }, (m) => logs.push(m));
    try {
      await t.start();
      expect(t.connection()).toBe('connected');
    } finally {
      process.stdout.write = write;
      console.log = log;
      t.stop();
      await fake.stop();
    }
    expect(written.join('')).not.toMatch(/Swagger/);
    expect(logs.join('\n')).not.toMatch(/Swagger/);
  });
});
