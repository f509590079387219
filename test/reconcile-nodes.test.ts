/** Reconcile with an inventory that covers only some nodes (issue 19): calls on a node not read are left alone. */
import { afterEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../src/calls/telephony.js';
import { engineOnFakePbx, type EngineOnFakePbx } from './support/engine-fixture.js';

const MAIN = '+15125550100';
let fixture: EngineOnFakePbx | null = null;
afterEach(() => fixture?.close());

/** The fake PBX's inventory as one of node `a` only: node b's channels (here caller-2) were not read. */
const onlyNodeA = (inv: Inventory, unread: string): Inventory => ({ ...inv, channels: inv.channels.filter((c) => c.id !== unread), covers: (ch) => ch !== unread });

describe('reconcile with a partial inventory', () => {
  it('a running engine: the call on the unread node goes on; read as empty, it ends', async () => {
    fixture = engineOnFakePbx();
    const { pbx, clock, engine, store } = fixture;
    pbx.call(MAIN, '+15125550123');
    const onB = pbx.call(MAIN, '+15125550124');
    await clock.advance(500);
    expect(engine.active()).toBe(2);
    expect(engine.reconcile(onlyNodeA(pbx.inventory(), onB), () => {})).toMatchObject({ ended: 0 });
    await clock.advance(100);
    expect(engine.active()).toBe(2);
    // Without `covers` the inventory speaks for every channel: the one not in it ended.
    const { covers: _all, ...everything } = onlyNodeA(pbx.inventory(), onB);
    expect(engine.reconcile(everything, () => {})).toMatchObject({ ended: 1 });
    await clock.advance(100);
    expect(engine.active()).toBe(1);
    expect(store.callByChannel(onB)?.state).toBe('ended');
  });

  it('after a restart: the call on the unread node stays open in the store, and is resumed when its node is read', async () => {
    fixture = engineOnFakePbx();
    const { pbx, clock, store, restart } = fixture;
    const onA = pbx.call(MAIN, '+15125550123');
    const onB = pbx.call(MAIN, '+15125550124');
    await clock.advance(500);
    const fresh = restart({ log: () => {} });
    const adopted: string[] = [];
    expect(fresh.reconcile(onlyNodeA(pbx.inventory(), onB), (ch) => adopted.push(ch))).toMatchObject({ resumed: 1, ended: 0 });
    expect(adopted).toEqual([onA]);
    expect(store.openCalls().map((c) => c.channelId).sort()).toEqual([onA, onB].sort());
    expect(fresh.reconcile(pbx.inventory(), (ch) => adopted.push(ch))).toMatchObject({ resumed: 1, ended: 0 });
    expect(adopted).toEqual([onA, onB]);
    await clock.advance(100);
    expect(fresh.active()).toBe(2);
  });
});
