/**
 * Issue 3 scenarios through ARI's REST interface only, as they run against a real Asterisk 22:
 * callers and agents are the shipped dialplan's sim-caller and sim-agent (Local channels). Without
 * ASTERISK_ARI_URL and ASTERISK_ARI_PASSWORD they run against the fake Asterisk, same REST calls.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startAriScenario, type AriScenario } from './scenarios/ari-scenario.js';
import type { SimAgent } from './scenarios/sim-config.js';
import { only } from './support/agents.js';
import { MAIN } from './support/numbers.js';

/** Against a real Asterisk the scenarios run in real time: each waits minutes, not the fake's seconds. */
const REAL = !!(process.env.ASTERISK_ARI_URL && process.env.ASTERISK_ARI_PASSWORD);
const TIMEOUT = REAL ? 240_000 : 60_000;
const CONFIG = 'config/example-clinic.yaml';
let s: AriScenario | null = null;
afterEach(async () => {
  await s?.stop();
  s = null;
});

const nothingLeft = (sc: AriScenario) =>
  sc.until('no simulated channel and no engine bridge left', async () => {
    const [chans, bridges] = await Promise.all([sc.driver.channels(), sc.driver.bridges()]);
    return !chans.some((c) => c.id.startsWith('sim-') || /sim-agent/.test(c.name)) && !bridges.some((b) => b.id.startsWith('pbx-'));
  });

async function start(agents: Record<string, SimAgent>): Promise<AriScenario> {
  s = await startAriScenario(CONFIG, agents);
  return s;
}

describe(`scenarios through ARI only (against ${process.env.ASTERISK_ARI_URL && process.env.ASTERISK_ARI_PASSWORD ? 'the real Asterisk' : 'the fake Asterisk'})`, () => {
  it('a caller presses 1, the scheduling agent answers, they talk in a mixing bridge, the caller hangs up, nothing is left', async () => {
    const sc = await start({ james: 'answer' });
    only(sc.run.engine, ['james']);
    const call = await sc.driver.placeCall({ did: MAIN, caller: '+15125550123', digits: '1', dtmfDelay: 3, hold: 15 });
    const open = await sc.until('the call connected', () => sc.run.store.callByChannel(call.channel)?.state === 'connected' && sc.run.store.callByChannel(call.channel));
    expect(open).toMatchObject({ agent: 'james', target: 'scheduling', did: MAIN, caller: '+15125550123' });
    const mixing = await sc.until('a mixing bridge with caller and agent', async () => (await sc.driver.bridges()).find((b) => b.channels.includes(call.channel) && b.channels.length === 2));
    expect(mixing.bridge_type).toBe('mixing');
    await sc.until('the call ended', () => sc.run.store.call(open.id)?.state === 'ended');
    expect(sc.run.store.call(open.id)).toMatchObject({ outcome: 'answered', agent: 'james' });
    await nothingLeft(sc);
  }, TIMEOUT);

  it('a busy agent and one who rings out are skipped; the next agent answers', async () => {
    // Equally idle agents are tried in id order: emily (busy), james (rings out), then maria.
    const sc = await start({ emily: 'busy', james: 'noanswer', maria: 'answer' });
    only(sc.run.engine, ['maria', 'james', 'emily']);
    const call = await sc.driver.placeCall({ did: MAIN, caller: '+15125550124', digits: '1', dtmfDelay: 3, hold: 90 });
    const open = await sc.until('the call connected', () => sc.run.store.callByChannel(call.channel)?.state === 'connected' && sc.run.store.callByChannel(call.channel), 150_000);
    expect(open.agent).toBe('maria');
    const missed = sc.run.store.events(open.id).filter((e) => e.type === 'offer-missed').map((e) => e.data);
    expect(missed).toEqual([
      { agent: 'emily', reason: 'busy' },
      { agent: 'james', reason: 'no-answer' },
    ]);
    await sc.until('the call ended', () => sc.run.store.call(open.id)?.state === 'ended', 150_000);
    await nothingLeft(sc);
  }, TIMEOUT);

  it('a caller who presses nothing hears the main menu again until hanging up, and is recorded as hung up early', async () => {
    const sc = await start({});
    only(sc.run.engine, []);
    // On a real Asterisk the welcome and the menu prompt take their real length before the menu times out.
    const call = await sc.driver.placeCall({ did: MAIN, caller: '+15125550125', digits: '', hold: REAL ? 45 : 12 });
    const c = await sc.until('the call ended', () => sc.run.store.callByChannel(call.channel)?.state === 'ended' && sc.run.store.callByChannel(call.channel));
    expect(c.answeredAt).not.toBeNull();
    expect(c.outcome).toBe('hung-up-early');
    // Every decision so far waited in the main menu: the silent caller was never sent anywhere.
    const decisions = sc.run.store.decisions(c.id);
    expect(decisions.length).toBeGreaterThanOrEqual(2);
    expect(decisions.every((d) => d.status === 'awaiting-input' && d.target === 'main')).toBe(true);
    await nothingLeft(sc);
  }, TIMEOUT);

  it('with the engine disconnected, a new call falls through to the failsafe dialplan instead of silence', async () => {
    const sc = await start({});
    sc.run.telephony.stop();
    await sc.until('the application gone from Asterisk', async () => (await sc.driver.application('pbx-router')) === null);
    const call = await sc.driver.placeCall({ did: MAIN, caller: '+15125550126', digits: '', hold: 10 });
    const ch = await sc.until('the call in the failsafe', async () => {
      const c = await sc.driver.channel(call.channel);
      return c?.dialplan.context === 'router-failsafe' && c;
    }, 10_000);
    expect(ch.state).toBe('Up');
    expect(sc.run.store.callByChannel(call.channel)).toBeUndefined();
    await nothingLeft(sc);
  }, TIMEOUT);
});
