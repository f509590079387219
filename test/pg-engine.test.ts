/** The call engine with its store on PostgreSQL: the same call as on SQLite, every store statement the engine makes going through the PostgreSQL adapter. */
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../src/config/index.js';
import { groupWrites } from '../src/store/write-groups.js';
import { only } from './support/agents.js';
import { engineOnFakePbx } from './support/engine-fixture.js';
import { MAIN } from './support/numbers.js';
import { STORE_ADAPTERS, useStores } from './support/store-adapters.js';

const plan = loadPlan('config/example-clinic.yaml').plan!;

describe.each(STORE_ADAPTERS)('the call engine on %s', (kind) => {
  const stores = useStores(kind);

  it('menu 1 -> scheduling -> an agent answers -> hangs up; writes grouped per turn as run groups them', async () => {
    const f = engineOnFakePbx({ plan, at: '2026-11-23T10:00', phones: 'noanswer', db: stores.location() });
    const writes = groupWrites(f.db, () => undefined);
    try {
      const { clock, pbx, store, engine } = f;
      only(engine, ['james']);
      pbx.agent('PJSIP/1002', { answerAfter: 3000, talkFor: 60_000 });
      pbx.call(MAIN, '+15125550123');
      await clock.advance(1000);
      pbx.press(pbx.channels.keys().next().value!, '1');
      await clock.advance(5000);
      const call = store.openCalls()[0]!;
      expect(call).toMatchObject({ state: 'connected', agent: 'james', target: 'scheduling' });
      await clock.advance(60_000);
      await clock.advance(30_000);
      writes.flush();
      expect(store.call(call.id)).toMatchObject({ state: 'ended', outcome: 'answered' });
      expect(store.decisions(call.id).map((d) => d.status)).toEqual(['awaiting-input', 'done']);
      expect(store.queueEntries(call.id)).toMatchObject([{ queue: 'scheduling', result: 'answered', agent: 'james' }]);
      expect(store.events(call.id).map((e) => e.type)).toEqual(['offer', 'connected']);
      expect(store.lastAgentStates().find((a) => a.agent === 'james')).toMatchObject({ state: 'available' });
      expect(writes.figures().lost).toBe(0);
    } finally {
      writes.stop();
      f.close();
    }
  });
});
