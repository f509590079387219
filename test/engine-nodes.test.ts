/** The engine as `run` builds it on two Asterisk nodes from ASTERISK_NODES (issue 19), each a fake Asterisk. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngine } from '../src/main.js';
import { FakeAsterisk } from './fake-asterisk/fake-asterisk.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(what: string, ok: () => boolean, ms = 10_000, logs: string[] = []): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Two fake nodes and the engine on them through ASTERISK_NODES (node lost after 0.3 s). */
async function engineOnTwoNodes() {
  const a = new FakeAsterisk({ systemName: 'a', password: 'nodes-secret' });
  const b = new FakeAsterisk({ systemName: 'b', password: 'nodes-secret' });
  const urls = { a: (await a.start()).url, b: (await b.start()).url };
  cleanups.push(() => a.stop(), () => b.stop());
  const dir = mkdtempSync(join(tmpdir(), 'pbx-nodes-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const logs: string[] = [];
  const run = await startEngine({
    config: 'config/example-clinic.yaml',
    ariUrl: 'http://127.0.0.1:1',
    ariUser: 'router',
    ariPassword: 'nodes-secret',
    app: 'pbx-router',
    database: join(dir, 'calls.sqlite'),
    log: (m) => logs.push(m),
    ariRetry: { firstMs: 50, maxMs: 100, refusedMs: 100 },
    env: { ASTERISK_NODES: `a=${urls.a},b=${urls.b}`, ASTERISK_NODE_LOST_AFTER_MS: '300' },
  });
  cleanups.push(() => run.stop());
  await until('both nodes on the event socket', () => a.isConnected('pbx-router') && b.isConnected('pbx-router'), 10_000, logs);
  return { a, b, urls, run, logs };
}

describe('startEngine with ASTERISK_NODES', () => {
  it("callers of one queue on two nodes wait in the queue's holding bridge, one id on both nodes, with music", async () => {
    const { a, b, run, logs } = await engineOnTwoNodes();
    run.engine.setMode('day', null);
    for (const agent of run.engine.currentPlan().agents.keys()) run.engine.pauseAgent(agent, true);
    const script = { dtmf: [{ at: 500, digit: '1' }], hangupAfter: 600_000 };
    const onA = a.placeCall({ did: '+15125550100', caller: '+15125550123', script }).channelId;
    const onB = b.placeCall({ did: '+15125550100', caller: '+15125550124', script }).channelId;
    await until('both callers waiting with music', () => a.hearing(onA) === 'moh' && b.hearing(onB) === 'moh', 15_000, logs);
    const ids = (fake: FakeAsterisk) => fake.bridges().map((x) => String(x.id));
    expect(ids(a)).toHaveLength(1);
    expect(ids(a)[0]).toMatch(/^pbx-queue-scheduling-/);
    expect(ids(b)).toEqual(ids(a));
    expect(run.engine.queueSnapshot().scheduling?.waiting).toBe(2);
  }, 30_000);

  it("a queue caller on b talks to an agent whose leg is on b; b lost: the call ends as node-lost and the agent is no longer busy", async () => {
    const { a, b, run, logs } = await engineOnTwoNodes();
    run.engine.setMode('day', null);
    for (const ext of ['1001', '1002', '1003', '1004', '1005', '1006', '1007']) {
      a.setAgent(`PJSIP/${ext}`, { answer: 200 });
      b.setAgent(`PJSIP/${ext}`, { answer: 200 });
    }
    const onB = b.placeCall({ did: '+15125550100', caller: '+15125550124', script: { dtmf: [{ at: 500, digit: '1' }], hangupAfter: 600_000 } }).channelId;
    const agents = [...run.engine.currentPlan().agents.keys()];
    await until('an agent talking to the caller on b', () => agents.some((x) => run.engine.agentState(x) === 'busy'), 15_000, logs);
    const agent = agents.find((x) => run.engine.agentState(x) === 'busy')!;
    expect(b.channels().some((c) => String(c.id).includes('-leg-'))).toBe(true);
    expect(a.channels()).toEqual([]);
    await b.stop();
    await until("b's call written off", () => run.store.callByChannel(onB)?.outcome === 'node-lost', 10_000, logs);
    expect(run.engine.agentState(agent)).not.toBe('busy');
    expect(run.engine.active()).toBe(0);
  }, 30_000);

  it('takes a call from each node; node b lost: its call is written off as node-lost, the call on a goes on', async () => {
    const { a, b, urls, run, logs } = await engineOnTwoNodes();
    expect(logs.some((l) => l.includes(`connecting to a ${urls.a}, b ${urls.b} as router`))).toBe(true);
    const onA = a.placeCall({ did: '+15125550100', caller: '+15125550123', script: { hangupAfter: 600_000 } }).channelId;
    const onB = b.placeCall({ did: '+15125550100', caller: '+15125550124', script: { hangupAfter: 600_000 } }).channelId;
    await until('both calls taken', () => run.engine.active() === 2 && !!run.store.callByChannel(onA) && !!run.store.callByChannel(onB), 10_000, logs);
    await until('both answered by the engine', () => a.channels().some((c) => c.id === onA && c.state === 'Up') && b.channels().some((c) => c.id === onB && c.state === 'Up'), 10_000, logs);
    await b.stop();
    await until("b's call written off", () => run.store.callByChannel(onB)?.outcome === 'node-lost', 10_000, logs);
    expect(run.store.events(run.store.callByChannel(onB)!.id).some((e) => e.type === 'node-lost')).toBe(true);
    expect(run.engine.active()).toBe(1);
    expect(run.store.callByChannel(onA)?.outcome).not.toBe('node-lost');
    expect(a.inStasis(onA)).toBe(true);
    expect(run.connection()).toBe('connected');
  }, 30_000);
});
