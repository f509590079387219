/**
 * Facts about Asterisk 22 the engine relies on, checked on the real one with plain REST calls (an
 * application of the test's own, `facts`), each kept as a transcript: the fake Asterisk models
 * them (test/fake-asterisk-wedge.test.ts), and if a later Asterisk behaves otherwise this fails.
 */
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { AriRecorder } from './ari-recorder.js';
import { REPO } from './real-asterisk.js';
import { startTier, type Tier } from './tier.js';

let tier: Tier;
let recorder: AriRecorder;
const events: { type: string; [k: string]: unknown }[] = [];
let app: WebSocket;
const dir = mkdtempSync(join(tmpdir(), 'pbx-facts-'));

beforeAll(async () => {
  tier = await startTier();
  recorder = new AriRecorder({ host: '127.0.0.1', port: 8088 }, { user: 'router', password: tier.secrets.ASTERISK_ARI_PASSWORD! });
  await recorder.start();
  app = new WebSocket(`ws://127.0.0.1:8088/ari/events?app=facts&api_key=${encodeURIComponent(`router:${tier.secrets.ASTERISK_ARI_PASSWORD}`)}`);
  app.on('message', (m: Buffer) => events.push(JSON.parse(m.toString()) as { type: string }));
  await new Promise((r) => app.once('open', r));
}, 120_000);
afterAll(async () => {
  app?.close();
  await recorder?.stop();
  await tier?.stop();
}, 60_000);

async function ari(method: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${recorder.url}/ari${path}`, { method, headers: { Authorization: `Basic ${Buffer.from(`router:${tier.secrets.ASTERISK_ARI_PASSWORD}`).toString('base64')}` } });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A channel in Stasis(facts): the shipped sim-agent answers and holds (a Local channel, as in issue 18). */
async function channelInStasis(id: string): Promise<void> {
  await ari('POST', `/channels?endpoint=${encodeURIComponent('Local/answer@sim-agent')}&app=facts&channelId=${id}`);
  for (let i = 0; i < 50 && !events.some((e) => e.type === 'StasisStart' && (e.channel as { id: string }).id === id); i++) await sleep(100);
}

/** One caller in a holding bridge with music; the play and the bridge's DELETE as `order` says; true when the playback started. */
async function attempt(n: number, order: 'play-with-destroy' | 'remove-then-play'): Promise<boolean> {
  const ch = `facts-${order}-${n}`;
  const bridge = `facts-holding-${order}-${n}`;
  await channelInStasis(ch);
  await ari('POST', `/bridges/${bridge}?type=holding`);
  await ari('POST', `/bridges/${bridge}/addChannel?channel=${ch}`);
  await ari('POST', `/bridges/${bridge}/moh?mohClass=default`);
  await sleep(300);
  const pb = `${ch}-pb`;
  if (order === 'play-with-destroy') {
    // The engine's order before the fix: the play and, in the same turn, the empty queue's bridge destroyed.
    const [play, destroy] = await Promise.all([ari('POST', `/channels/${ch}/play/${pb}?media=sound:pbx-router/callback-confirmed`), ari('DELETE', `/bridges/${bridge}`)]);
    expect([play.status, destroy.status]).toEqual([201, 204]);
  } else {
    expect((await ari('POST', `/bridges/${bridge}/removeChannel?channel=${ch}`)).status).toBe(204);
    expect((await ari('POST', `/channels/${ch}/play/${pb}?media=sound:pbx-router/callback-confirmed`)).status).toBe(201);
    await ari('DELETE', `/bridges/${bridge}`);
  }
  await sleep(1500);
  const started = events.some((e) => e.type === 'PlaybackStarted' && (e.playback as { id: string }).id === pb);
  await ari('DELETE', `/channels/${ch}`);
  return started;
}

describe('the shipped Asterisk files on Asterisk 22.10.1', () => {
  it('Asterisk starts with them without a single ERROR line (modules.conf loads only what pbx-router needs)', () => {
    expect(tier.bootLog).toContain('modules will be loaded');
    expect(tier.bootLog.split('\n').filter((l) => /\bERROR\[/.test(l))).toEqual([]);
  });

  it('pbx-router prompts check finds every prompt of the config and the engine after the documented install step (exit 0)', async () => {
    const lines: string[] = [];
    const env = { ...process.env };
    process.env.ASTERISK_ARI_URL = 'http://127.0.0.1:8088';
    process.env.ASTERISK_ARI_USER = 'router';
    process.env.ASTERISK_ARI_PASSWORD = tier.secrets.ASTERISK_ARI_PASSWORD;
    try {
      const code = await main(['node', 'pbx-router', 'prompts', 'check', '-c', tier.config], { out: (t) => lines.push(t), err: (t) => lines.push(t) });
      expect(code, lines.join('\n')).toBe(0);
    } finally {
      process.env = env;
    }
  });
});

describe('Asterisk 22.10.1 facts the engine relies on', () => {
  it('a play racing the destruction of the caller holding bridge may never start (issue 18); out of the bridge first, it always starts', async () => {
    recorder.note('issue 18: play and DELETE of the holding bridge together (the engine order that left callers in silence), 20 times');
    let lost = 0;
    for (let i = 0; i < 20; i++) if (!(await attempt(i, 'play-with-destroy'))) lost++;
    recorder.note(`${lost} of 20 plays never started`);
    console.log(`asterisk facts: a play racing the holding bridge's DELETE never started in ${lost} of 20 attempts`);
    recorder.note('the engine order since: removeChannel, its answer, then play, 20 times');
    const started: boolean[] = [];
    for (let i = 0; i < 20; i++) started.push(await attempt(i, 'remove-then-play'));
    expect(started.filter(Boolean).length).toBe(20);
    recorder.save(join(dir, '20-play-while-holding-bridge-destroyed.jsonl'));
    if (process.env.PBX_RECORD_FIXTURES === '1') copyFileSync(join(dir, '20-play-while-holding-bridge-destroyed.jsonl'), join(REPO, 'test/fixtures/ari-transcripts/20-play-while-holding-bridge-destroyed.jsonl'));
  }, 180_000);
});
