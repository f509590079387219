/**
 * The engine checks its prompts on the (fake) Asterisk at start and at every reload: each missing
 * one is logged once, `status`, `/metrics` and the wallboard show them, and a call whose welcome
 * is missing is still routed.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { promptsLine } from '../src/cli/admin-client.js';
import { buildAdmin, status, type AdminDeps } from '../src/http/admin.js';
import { wallboardData } from '../src/http/wallboard.js';
import { startLive, type Live } from './scenarios/live-harness.js';
import { callOf, nothingLeft, played } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';
import { only } from './support/agents.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

const missing = (l: Live) => l.run.prompts.report().missing.map((m) => `${m.sound} (${m.language})`);
const warnings = (l: Live, key: string) => l.logs.filter((m) => m.startsWith(`warning: prompt ${key} is not on the Asterisk`)).length;
/** Waits for the check the last connect or reload started (the engine does not wait for it). */
const checked = async (l: Live, after: number) => {
  await l.until('the prompt check', () => (l.run.prompts.report().checkedAt ?? -1) > after, 10_000);
  return l.run.prompts.settled();
};
const admin = (l: Live): AdminDeps => ({ engine: l.run.engine, token: 'x'.repeat(16), health: () => ({ ari: 'connected', ami: null }), reload: () => l.run.reload(), prompts: () => l.run.prompts.report() });

describe('prompts missing on the Asterisk', () => {
  it('at start: each missing prompt is logged once, shown in status, metrics and the wallboard, and the caller is still routed', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    await checked(l, -1);
    expect(missing(l)).toEqual([]);
    expect(l.logs.some((m) => m.startsWith('prompts: all ') && m.includes('are on the Asterisk'))).toBe(true);

    l.fake.removeSound('riverside/welcome');
    l.fake.removeSound('pbx-router/oncall-urgent-call');
    const before = l.fake.now();
    await l.restart();
    await checked(l, before);
    expect(missing(l)).toEqual(['riverside/welcome (en)', 'pbx-router/oncall-urgent-call (en)']);
    expect(warnings(l, 'riverside/welcome (en)')).toBe(1);
    expect(l.logs.find((m) => m.startsWith('warning: prompt riverside/welcome (en)'))).toContain('rule inbound/"Open - main menu"');

    const s = status(admin(l));
    expect(s.prompts?.missing.map((m) => [m.sound, m.source])).toEqual([['riverside/welcome', 'clinic'], ['pbx-router/oncall-urgent-call', 'engine']]);
    expect(promptsLine(s.prompts)).toMatch(/^prompts: 2 missing on the Asterisk, callers hear silence there: riverside\/welcome \(en\), pbx-router\/oncall-urgent-call \(en\)/);
    const m = (await buildAdmin(admin(l)).inject({ url: '/metrics', headers: { authorization: `Bearer ${'x'.repeat(16)}` } })).body;
    expect(m).toContain('\npbx_router_prompts_missing 2\n');
    expect(m).toContain('\npbx_router_prompt_missing{sound="riverside/welcome",language="en"} 1\n');
    expect(m).toContain('\npbx_router_prompts_check_ok 1\n');
    expect(wallboardData(l.run.engine, 'connected', 0, s.prompts!.missing.length).promptsMissing).toBe(2);

    // The welcome is missing: Asterisk skips it, and the caller goes on to the menu and the queue.
    only(l.run.engine, []);
    const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 3000, digit: '1' }] } });
    await l.until('the caller waiting in scheduling', () => callOf(l, call.channelId)?.state === 'queued');
    expect(played(l, call.channelId).slice(0, 2)).toEqual(['sound:riverside/welcome', 'sound:riverside/main-menu']);
    l.fake.hangupCaller(call.channelId);
    await nothingLeft(l);
  });

  it('at every reload: a prompt still missing is not logged again, one put back is cleared, one gone again is logged again', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    l.fake.removeSound('riverside/main-menu');
    const reloadAndCheck = async () => {
      const before = l.fake.now();
      await l.sleep(10);
      expect(l.run.reload()).toMatchObject({ ok: true });
      return checked(l, before);
    };
    await reloadAndCheck();
    await reloadAndCheck();
    expect(missing(l)).toEqual(['riverside/main-menu (en)']);
    expect(warnings(l, 'riverside/main-menu (en)')).toBe(1);
    l.fake.addSound('riverside/main-menu', 3000);
    await reloadAndCheck();
    expect(missing(l)).toEqual([]);
    l.fake.removeSound('riverside/main-menu');
    await reloadAndCheck();
    expect(warnings(l, 'riverside/main-menu (en)')).toBe(2);
  });

  it('a caller who chooses Spanish hears the Spanish files: the prompts after the choice are played in es, falling back to en', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    only(l.run.engine, []);
    // Spanish only: heard by the Spanish caller; the English-only core sounds are still heard (Asterisk's fallback).
    l.fake.removeSound('riverside/main-menu-es');
    l.fake.addSound('riverside/main-menu-es', 3000, 'es');
    const call = l.fake.placeCall({ did: MAIN, caller: '+15125550123', script: { dtmf: [{ at: 2500, digit: '9' }, { at: 6500, digit: '1' }] } });
    await l.until('the caller waiting in scheduling', () => callOf(l, call.channelId)?.state === 'queued');
    await l.until('the first announcement', () => played(l, call.channelId).some((m) => m.startsWith('sound:queue-')), 60_000);
    const finished = l.events('PlaybackFinished').map((e) => e.playback as { media_uri: string; language: string; state: string; target_uri: string }).filter((p) => p.target_uri === `channel:${call.channelId}`);
    const started = l.events('PlaybackStarted').map((e) => e.playback as { media_uri: string; language: string; target_uri: string }).filter((p) => p.target_uri === `channel:${call.channelId}`);
    expect(started.find((p) => p.media_uri === 'sound:riverside/welcome')?.language).toBe('en');
    expect(started.find((p) => p.media_uri === 'sound:riverside/main-menu-es')?.language).toBe('es');
    expect(started.find((p) => p.media_uri.startsWith('sound:queue-'))?.language).toBe('es');
    // Without the language, Asterisk would look in en/ only and fail it: the caller would hear silence.
    expect(finished.find((p) => p.media_uri === 'sound:riverside/main-menu-es')?.state).toBe('done');
    l.fake.hangupCaller(call.channelId);
    await nothingLeft(l);
  });

  it('a reloaded config that plays a new prompt: the new one is reported, in each language a call can be in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pbx-prompts-'));
    const config = join(dir, 'clinic.yaml');
    copyFileSync('config/example-clinic.yaml', config);
    live = await startLive({ at: '2026-11-23T10:00', config });
    const l = live;
    await checked(l, -1);
    expect(missing(l)).toEqual([]);
    writeFileSync(config, readFileSync(config, 'utf8').replace('- play: riverside/closed-holiday', '- play: riverside/closed-flu-season'));
    const before = l.fake.now();
    await l.sleep(10);
    expect(l.run.reload()).toMatchObject({ ok: true });
    await checked(l, before);
    expect(missing(l)).toEqual(['riverside/closed-flu-season (en)', 'riverside/closed-flu-season (es)']);
    expect(l.run.prompts.report().configVersion).toBe(l.run.engine.currentPlan().version);
  });
});
