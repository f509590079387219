/** The ARI adapter against the fake Asterisk over real HTTP and WebSocket. */
import { describe, expect, it } from 'vitest';
import { AriTelephony } from '../src/asterisk/ari-telephony.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { sound } from '../src/calls/telephony.js';

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

describe('the request watchdog (issue 18) and events that beat their HTTP answer', () => {
  it.each(['events-first', 'response-first'] as const)('with %s, a playback that starts is never reported stalled; a wedged channel is', async (eventOrder) => {
    const fake = new FakeAsterisk({ password: 'watch-secret', eventOrder, speed: 10 });
    const { url } = await fake.start();
    const seen: string[] = [];
    const t = new AriTelephony({ url, user: 'router', password: 'watch-secret', app: 'pbx-router', stallAfterMs: 300 });
    t.handler = (e) => {
      if (e.type === 'call-arrived') void t.answer(e.channel);
      if (e.type === 'stalled') seen.push(`${e.channel}: ${e.what}`);
    };
    try {
      await t.start();
      const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123', script: { hangupAfter: 60_000 } });
      await fake.waitForEvent((e) => e.type === 'ChannelStateChange');
      await t.play(call.channelId, 'pb-ok', [sound('queue-youarenext')]);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen).toEqual([]);
      fake.wedge(call.channelId);
      void t.play(call.channelId, 'pb-lost', [sound('queue-youarenext')]);
      await new Promise((r) => setTimeout(r, 500));
      expect(seen).toEqual([`${call.channelId}: playback pb-lost accepted but never started`]);
    } finally {
      t.stop();
      await fake.stop();
    }
  });
});
