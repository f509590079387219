/**
 * Issue 13: a store write that throws inside the engine's callbacks. The engine is handed a raw
 * CallStore here (no guard), so what is tested is the engine's own handling.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { CallStore, type CallUpdate } from '../src/store/call-store.js';
import { engineOnFakePbx } from './support/engine-fixture.js';
import { MAIN } from './support/numbers.js';

const plan = loadPlan('config/example-clinic.yaml').plan!;

/** A store whose disk is reported full for some writes. */
class FullAfterAnswer extends CallStore {
  failCreate = false;
  override updateCall(id: string, u: CallUpdate): void {
    if (u.answeredAt !== undefined) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    super.updateCall(id, u);
  }
  override createCall(c: Parameters<CallStore['createCall']>[0]): void {
    if (this.failCreate) throw Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
    super.createCall(c);
  }
}

const rejections: unknown[] = [];
const onRejection = (e: unknown) => void rejections.push(e);
beforeEach(() => {
  rejections.length = 0;
  process.on('unhandledRejection', onRejection);
});
afterEach(() => void process.off('unhandledRejection', onRejection));

function setup() {
  const { clock, pbx, store, engine, logs } = engineOnFakePbx({ plan, store: (db) => new FullAfterAnswer(db), phones: 'noanswer' });
  for (const id of plan.agents.keys()) if (id !== 'james') engine.pauseAgent(id, true);
  return { clock, pbx, store, engine, logs };
}

describe('a store write that throws in an async callback', () => {
  it('after the answer: no unhandled rejection, the call goes on to the menu, the queue and the agent', async () => {
    const { clock, pbx, store, engine, logs } = setup();
    pbx.agent('PJSIP/1002', { answerAfter: 3000, talkFor: 60_000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    await clock.advance(5000);
    await new Promise((r) => setImmediate(r));
    expect(rejections).toEqual([]);
    expect(engine.agentState('james')).toBe('busy');
    expect(store.openCalls()[0]).toMatchObject({ state: 'connected', agent: 'james' });
    expect(logs.join('\n')).toMatch(/recording the answer failed: database or disk is full/);
  });

  it('a new call that cannot be recorded is routed from memory, not sent to the failsafe', async () => {
    const { clock, pbx, store, engine, logs } = setup();
    store.failCreate = true;
    // The call's later rows name it: without its own row they would fail too (the guard takes those in the engine).
    (store as unknown as { db: { pragma(s: string): unknown } }).db.pragma('foreign_keys = OFF');
    pbx.agent('PJSIP/1002', { answerAfter: 3000, talkFor: 60_000 });
    const ch = pbx.call(MAIN, '+15125550123');
    await clock.advance(1000);
    pbx.press(ch, '1');
    await clock.advance(5000);
    expect(rejections).toEqual([]);
    expect(engine.endedByOutcome()).toEqual({});
    expect(engine.agentState('james')).toBe('busy');
    expect(logs.join('\n')).toMatch(/recording the new call failed: attempt to write a readonly database; routing it from memory/);
  });
});
