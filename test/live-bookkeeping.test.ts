/**
 * Issue 13, finding 6: the ARI adapter's per-channel bookkeeping is bounded. After calls through the
 * engine and the fake Asterisk (menu, queue, agent legs answered and hung up, callers who give up),
 * every per-channel structure is empty again once the ended channels' minute has passed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startLive, type Live } from './scenarios/live-harness.js';
import { PHONES } from './scenarios/live-helpers.js';
import { MAIN } from './support/numbers.js';

let live: Live | null = null;
afterEach(async () => {
  await live?.stop();
  live = null;
});

describe('ARI bookkeeping after many calls (finding 6)', () => {
  it('20 calls: ended channels are remembered for late events, then forgotten; callers, legs, playbacks, recordings and expectations are back to 0', async () => {
    live = await startLive({ at: '2026-11-23T10:00' });
    const l = live;
    for (const p of PHONES) l.fake.setAgent(p, { answer: 1000, hangupAfter: 5000 });
    const calls = Array.from({ length: 20 }, (_, i) =>
      l.fake.placeCall({ did: MAIN, caller: `+1512555${String(1000 + i)}`, script: { dtmf: [{ at: 3000, digit: '1' }], hangupAfter: 20_000 + i * 500 } }),
    );
    await l.until('every call to end', () => l.fake.channels().length === 0 && l.run.store.openCalls().length === 0 && calls.length > 0, 300_000);
    const right = l.run.telephony.bookkeeping();
    // Just after the hangups, each caller and agent leg is still known as ended (a late PlaybackFinished is a hangup).
    expect(right.ended).toBeGreaterThanOrEqual(calls.length);
    await l.sleep(60_000);
    // Polled rather than read once: on a loaded machine the last timers run a little late.
    let last = right;
    await l.until('every per-channel structure to be empty', () => Object.values((last = l.run.telephony.bookkeeping())).every((n) => n === 0), 60_000).catch((e: Error) => {
      throw new Error(`${e.message.split('\n')[0]}; bookkeeping: ${JSON.stringify(last)}`);
    });
    expect(last).toEqual({ callers: 0, legs: 0, ended: 0, playbacks: 0, recordings: 0, expectations: 0 });
  }, 120_000);
});
