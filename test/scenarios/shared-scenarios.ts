/**
 * The live scenarios of the example clinic, written once and run on both backends: against the
 * fake Asterisk in `npm test` (test/live-shared.test.ts) and against a real Asterisk 22 with SIP
 * callers, desk phones and cells in `npm run test:asterisk` (test/asterisk/shared.test.ts).
 * Times are PBX time: real seconds on the real Asterisk, virtual ones on the fake.
 */
import { expect } from 'vitest';
import { inOrder, nothingLeft, type World, type WorldOptions } from './world.js';

export interface Scenario {
  readonly name: string;
  readonly world: WorldOptions;
  /** Wall-clock budget on the real Asterisk (ms). */
  readonly timeout: number;
  run(w: World): Promise<void>;
}

let seq = 0;
/** A caller number of the clinic's area that no other call of the run uses. */
export const newCaller = () => `+1512555${String(2000 + ((process.pid * 37 + ++seq) % 7000)).padStart(4, '0')}`;

const press = (...keys: string[]) => keys.map((digit, i) => ({ at: 2500 + i * 1200, digit }));
const ended = (w: World, id: string) => w.until(`call ${id} ended`, () => w.store().call(id)?.state === 'ended' && w.store().call(id));
const events = (w: World, id: string, type: string) => w.store().events(id).filter((e) => e.type === type).map((e) => e.data as Record<string, unknown>);

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'menu 1 -> scheduling -> the agent answers -> caller and agent hear each other in a mixing bridge -> the caller hangs up -> nothing left',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['james']);
      await w.phone('james', { answer: 1500 });
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 14_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record());
      expect(open).toMatchObject({ agent: 'james', target: 'scheduling', did: '+15125550100', caller: c.number });
      const mixing = await w.until('a mixing bridge with caller and agent', async () => (await w.bridges()).find((b) => b.channels.includes(open.channelId) && b.channels.length === 2));
      expect(mixing.bridge_type).toBe('mixing');
      const done = await ended(w, open.id);
      expect(done).toMatchObject({ outcome: 'answered', agent: 'james' });
      if (w.backend === 'real') expect(c.heard()).toContain('voice:james');
      await nothingLeft(w);
      await w.until('james back to available after wrap-up', async () => (await w.agentState('james')) === 'available', 15_000);
    },
  },
  {
    name: 'a busy agent and one who rings out are skipped, each once; the next agent answers',
    world: { mode: 'day', config: { 'queues.scheduling.ringTimeout': 6 } },
    timeout: 90_000,
    async run(w) {
      await w.only(['emily', 'james', 'maria']);
      await w.phone('emily', 'busy');
      await w.phone('james', 'noanswer');
      await w.phone('maria', { answer: 1000 });
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 30_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record(), 60_000);
      expect(open.agent).toBe('maria');
      // Equally idle agents are tried in id order: emily (busy), james (rings out), then maria.
      expect(events(w, open.id, 'offer-missed')).toEqual([
        { agent: 'emily', reason: 'busy' },
        { agent: 'james', reason: 'no-answer' },
      ]);
      await ended(w, open.id);
      await nothingLeft(w);
    },
  },
  {
    name: 'an unregistered desk phone is never rung: its agent is offline and the next agent answers',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['emily', 'maria']);
      await w.phone('emily', 'unregistered');
      await w.phone('maria', { answer: 1000 });
      await w.until('emily offline', async () => (await w.agentState('emily')) === 'offline', 20_000);
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 12_000 } });
      const open = await w.until('the call connected', () => c.record()?.state === 'connected' && c.record());
      expect(open.agent).toBe('maria');
      expect(events(w, open.id, 'offer').map((o) => o.agent)).toEqual(['maria']);
      await ended(w, open.id);
      await nothingLeft(w);
    },
  },
  {
    name: 'a direct desk-to-desk call makes both agents busy, and available again when it ends',
    world: { mode: 'day' },
    timeout: 60_000,
    async run(w) {
      await w.only(['maria', 'james']);
      await w.phone('james', 'noanswer');
      const desk = await w.deskCall('maria', 'james');
      await w.until('maria busy on the desk call', async () => (await w.agentState('maria')) === 'busy', 15_000);
      await w.until('james busy on the desk call', async () => (await w.agentState('james')) === 'busy', 15_000);
      await w.sleep(2000);
      await desk.hangup();
      await w.until('maria available again', async () => (await w.agentState('maria')) === 'available', 15_000);
      await w.until('james available again', async () => (await w.agentState('james')) === 'available', 15_000);
    },
  },
  {
    name: 'every agent paused: the caller waits with music and hears a position announcement, never an estimated wait without a basis',
    world: { mode: 'day', config: { 'queues.scheduling.announce': { position: true, estimatedWait: true, interval: 10, first: 4 } } },
    timeout: 60_000,
    async run(w) {
      await w.only([]);
      const c = await w.call({ caller: newCaller(), script: { dtmf: press('1'), hangupAfter: 20_000 } });
      const rec = await w.until('the caller queued', () => c.record()?.state === 'queued' && c.record());
      await w.until('the first announcement', () => w.store().positions(w.store().queueEntries(rec.id)[0]?.id ?? -1).length >= 1, 20_000);
      await ended(w, rec.id);
      const entry = w.store().queueEntries(rec.id)[0]!;
      const announced = w.store().positions(entry.id);
      expect(announced.length).toBeGreaterThanOrEqual(1);
      expect(announced.every((a) => a.estimate === null)).toBe(true);
      expect(c.heard()).toContain('queue-youarenext');
      expect(c.heard()).not.toContain('queue-minute');
      expect(c.heard()).toContain('moh');
      expect(inOrder(c.heard(), ['moh', 'queue-youarenext'])).toBe(true);
      await nothingLeft(w);
    },
  },
];
