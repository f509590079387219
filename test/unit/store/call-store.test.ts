import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CallStore } from '../../../src/store/call-store.js';
import { openDb, schemaVersion, StoreError } from '../../../src/store/db.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { STORE_ADAPTERS, useStores } from '../../support/store-adapters.js';

const tempDb = () => join(mkdtempSync(join(tmpdir(), 'pbx-store-')), 'calls.sqlite');
const newCall = (id: string, arrivedAt = 1000) => ({ id, channelId: `ch-${id}`, did: '+15125550100', caller: '+15125550123', site: 'riverside', language: 'en', priority: 0, state: 'routing' as const, arrivedAt, configVersion: 'abc123' });

describe('opening the database', () => {
  it('creates a WAL database readable only by its owner, at the newest schema version', () => {
    const path = tempDb();
    const db = openDb(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    db.close();
  });

  it('migrates an older database forward and keeps its data', () => {
    const path = tempDb();
    const v1 = openDb(path, MIGRATIONS.slice(0, 1));
    v1.prepare(`INSERT INTO calls (id, channel_id, did, caller, language, priority, state, arrived_at, config_version) VALUES ('c1', 'ch-c1', '+15125550100', '+15125550123', 'en', 0, 'routing', 1000, 'abc123')`).run();
    v1.close();
    const extra = [...MIGRATIONS, { version: 99, name: 'test column', sql: 'ALTER TABLE calls ADD COLUMN note TEXT;' }];
    const db = openDb(path, extra);
    expect(schemaVersion(db)).toBe(99);
    expect(new CallStore(db).call('c1')?.caller).toBe('+15125550123');
    db.close();
  });

  it('refuses a database newer than this version, and a failed migration changes nothing', () => {
    const path = tempDb();
    openDb(path, [...MIGRATIONS, { version: 50, name: 'x', sql: 'CREATE TABLE x (a);' }]).close();
    expect(() => openDb(path)).toThrow(StoreError);
    expect(() => openDb(path)).toThrow(/schema version 50, newer than this pbx-router knows/);
    const other = tempDb();
    expect(() => openDb(other, [...MIGRATIONS, { version: 60, name: 'broken', sql: 'CREATE TABLE y (a); SELECT nope FROM nowhere;' }])).toThrow(/migration 60 \(broken\) failed/);
    const db = openDb(other);
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'y'").get()).toBeUndefined();
    db.close();
  });
});

describe.each(STORE_ADAPTERS)('call store on %s', (kind) => {
  const stores = useStores(kind);

  it('keeps a call, its events and decisions with the config version, and survives a reopen', () => {
    const path = stores.location();
    const s = new CallStore(stores.reopen(path));
    s.createCall(newCall('c1'));
    s.addEvent('c1', 1001, 'answered');
    s.addEvent('c1', 1002, 'dtmf', { digit: '1' });
    s.addDecision('c1', { at: 1002, configVersion: 'abc123', status: 'done', action: 'queue', target: 'scheduling', site: 'riverside', steps: [{ kind: 'menu', menu: 'main' }], trace: [{ rule: 'open', matched: true }] });
    s.updateCall('c1', { state: 'queued', answeredAt: 1001, priority: 5, target: 'scheduling' });
    const again = new CallStore(stores.reopen(path));
    expect(again.call('c1')).toMatchObject({ state: 'queued', answeredAt: 1001, priority: 5, target: 'scheduling', endedAt: null });
    expect(again.events('c1')).toEqual([
      { at: 1001, type: 'answered', data: null },
      { at: 1002, type: 'dtmf', data: { digit: '1' } },
    ]);
    expect(again.decisions('c1')[0]).toMatchObject({ configVersion: 'abc123', action: 'queue', steps: [{ kind: 'menu', menu: 'main' }] });
    expect(again.callByChannel('ch-c1')?.id).toBe('c1');
  });

  it('open calls are the ones not ended; ending twice is a no-op', () => {
    const s = new CallStore(stores.open());
    s.createCall(newCall('a', 1));
    s.createCall(newCall('b', 2));
    expect(s.endCall('a', 10, 'abandoned')).toBe(true);
    expect(s.endCall('a', 20, 'answered')).toBe(false);
    expect(s.call('a')).toMatchObject({ endedAt: 10, outcome: 'abandoned', state: 'ended' });
    expect(s.openCalls().map((c) => c.id)).toEqual(['b']);
  });

  it('queue entries: waiting list, position history, result, and handle times of answered calls', () => {
    const s = new CallStore(stores.open());
    for (const id of ['a', 'b', 'c']) s.createCall(newCall(id));
    const ea = s.enterQueue('a', 'scheduling', 0, 'en', 100);
    const eb = s.enterQueue('b', 'scheduling', 5, 'es', 200);
    s.recordPosition(ea, 100, 1, null);
    s.recordPosition(ea, 250, 2, 180);
    expect(s.waiting().map((w) => w.callId)).toEqual(['a', 'b']);
    expect(s.positions(ea)).toEqual([
      { at: 100, position: 1, estimate: null },
      { at: 250, position: 2, estimate: 180 },
    ]);
    expect(s.leaveQueue(eb, 300, 'answered', 'maria')).toBe(true);
    expect(s.leaveQueue(eb, 400, 'abandoned')).toBe(false);
    s.updateCall('b', { answeredAt: 300_000 });
    s.endCall('b', 420_000, 'answered');
    expect(s.waiting().map((w) => w.callId)).toEqual(['a']);
    expect(s.recentHandleTimes('scheduling')).toEqual([120]);
  });

  it('agent states: the last one per agent', () => {
    const s = new CallStore(stores.open());
    s.agentState('maria', 'available', 1);
    s.agentState('maria', 'ringing', 2, 'offered call c1');
    s.agentState('james', 'paused', 3);
    expect(s.lastAgentStates().sort((x, y) => x.agent.localeCompare(y.agent))).toEqual([
      { agent: 'james', state: 'paused', at: 3 },
      { agent: 'maria', state: 'ringing', at: 2 },
    ]);
  });

  it('callbacks: created, listed by deadline, done once', () => {
    const s = new CallStore(stores.open());
    const late = s.createCallback({ callId: null, list: 'callbacks', number: '+15125550123', reason: 'records-request', site: 'riverside', createdAt: 1, deadline: 900 });
    const soon = s.createCallback({ callId: null, list: 'callbacks', number: '+15125550124', reason: 'prescription-refill', site: 'riverside', createdAt: 2, deadline: 500 });
    expect(s.callbacks(true).map((c) => c.id)).toEqual([soon, late]);
    expect(s.callbackDone(soon, 600, 'maria')).toBe(true);
    expect(s.callbackDone(soon, 700, 'james')).toBe(false);
    expect(s.callbacks(true).map((c) => c.id)).toEqual([late]);
    expect(s.callbacks(false)).toHaveLength(2);
  });
});
