/**
 * GET /sounds and /sounds/{id} on the fake as Asterisk 22.10.1 answers them (recorded by hand on
 * the lab build with files in sounds/en and sounds/es): one format per language, `slin` for a
 * .wav, folders percent-encoded in the id, 404 "Sound not found"; and playbacks that look a sound
 * up in their language with Asterisk's fallback to `en`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';
import { EventCollector } from './fake-asterisk/testing/event-collector.js';
import { RawHttpClient } from './fake-asterisk/testing/raw-http.js';

const PASSWORD = 'test-secret';

describe('FakeAsterisk sounds', () => {
  let fake: FakeAsterisk;
  let port: number;
  let http: RawHttpClient;

  beforeEach(async () => {
    fake = new FakeAsterisk({ password: PASSWORD, speed: 20 });
    ({ port } = await fake.start());
    http = new RawHttpClient(port, { user: 'router', password: PASSWORD });
    fake.addSound('riverside/main-menu', 4000);
    fake.addSound('riverside/main-menu', 4200, 'es');
    fake.addSound('pbx-router/oncall-urgent-call', 3000, 'es');
  });
  afterEach(async () => {
    http.close();
    await fake.stop();
  });

  const get = async (path: string) => {
    const res = await http.request('GET', `/ari${path}`);
    return [res.status, JSON.parse(res.body.toString()) as unknown] as const;
  };

  it('answers one sound with its languages, and 404 "Sound not found" for one it does not have', async () => {
    expect(await get('/sounds/riverside%2Fmain-menu')).toEqual([200, { id: 'riverside/main-menu', formats: [{ language: 'en', format: 'slin' }, { language: 'es', format: 'slin' }] }]);
    expect(await get('/sounds/pbx-router%2Foncall-urgent-call')).toEqual([200, { id: 'pbx-router/oncall-urgent-call', formats: [{ language: 'es', format: 'slin' }] }]);
    expect(await get('/sounds/beep')).toEqual([200, { id: 'beep', formats: [{ language: 'en', format: 'slin' }] }]);
    expect(await get('/sounds/riverside%2Fwelcome')).toEqual([404, { message: 'Sound not found' }]);
    // A raw slash is another path, which Asterisk does not have.
    expect(await get('/sounds/riverside/main-menu')).toEqual([404, { message: 'Resource not found' }]);
  });

  it('lists the sounds, or those of one language', async () => {
    const [, all] = await get('/sounds');
    expect((all as { id: string }[]).map((s) => s.id)).toEqual(expect.arrayContaining(['beep', 'riverside/main-menu', 'pbx-router/oncall-urgent-call']));
    const [, es] = await get('/sounds?lang=es');
    expect((es as { id: string }[]).map((s) => s.id)).toEqual(['pbx-router/oncall-urgent-call', 'riverside/main-menu']);
  });

  it('forgets a removed sound in one language or in all', async () => {
    expect(fake.removeSound('riverside/main-menu', 'es')).toBe(true);
    expect(await get('/sounds/riverside%2Fmain-menu')).toEqual([200, { id: 'riverside/main-menu', formats: [{ language: 'en', format: 'slin' }] }]);
    expect(fake.removeSound('riverside/main-menu')).toBe(true);
    expect(await get('/sounds/riverside%2Fmain-menu')).toEqual([404, { message: 'Sound not found' }]);
    expect(fake.removeSound('riverside/main-menu')).toBe(false);
  });

  it('plays a sound in the playback language, falls back to en, and fails one it has only in another language', async () => {
    const events = new EventCollector();
    await events.connect(port, 'pbx-router', PASSWORD);
    const call = fake.placeCall({ did: '+15125550100', caller: '+15125550123' });
    await events.waitForType('StasisStart', call.channelId);
    const ch = call.channelId;
    await http.request('POST', `/ari/channels/${ch}/answer`);
    const finished = async (id: string, query: string) => {
      await http.request('POST', `/ari/channels/${ch}/play/${id}?${query}`);
      return (await events.waitFor((e) => e.type === 'PlaybackFinished' && (e.playback as { id: string }).id === id, 5000)).playback;
    };
    expect(await finished('es-file', 'media=sound:pbx-router%2Foncall-urgent-call&lang=es')).toMatchObject({ state: 'done', language: 'es' });
    expect(await finished('en-fallback', 'media=sound:beep&lang=es_MX')).toMatchObject({ state: 'done', language: 'es_MX' });
    // The channel's language is en: Asterisk looks in en/ and finds nothing.
    expect(await finished('not-in-en', 'media=sound:pbx-router%2Foncall-urgent-call')).toMatchObject({ state: 'failed', language: 'en' });
    await http.request('DELETE', `/ari/channels/${ch}`);
    events.close();
  });
});
