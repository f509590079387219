import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textLogger } from '../../../src/logging/logger.js';
import { CallStore } from '../../../src/store/call-store.js';
import { openDb, type Db } from '../../../src/store/db.js';
import { guardSmsStore, guardStores } from '../../../src/store/guarded-store.js';
import { SmsStore } from '../../../src/store/sms-store.js';
import { StoreHealth } from '../../../src/store/store-health.js';
import { VoicemailStore } from '../../../src/store/voicemail-store.js';
import { groupWrites } from '../../../src/store/write-groups.js';

const nextTurn = () => new Promise((r) => setImmediate(r));
const call = (id: string) => ({ id, channelId: `ch-${id}`, did: '+15125550100', caller: '+15125550123', site: null, language: 'en', priority: 0, state: 'routing' as const, arrivedAt: 1, configVersion: 'v1' });
const message = (callId: string) => ({ callId, mailbox: 'front-desk', caller: '+15125550123', did: '+15125550100', site: null, reason: null, urgent: false, recording: `pbx-vm-${callId}`, duration: 12, createdAt: 5 });
const mail = { recipients: ['desk@clinic.example'], attach: false, compose: (id: number) => ({ subject: `voicemail ${id}`, body: 'b' }) };

/** SQLite's page limit stands in for a full disk (SQLITE_FULL on the next page needed). */
const fill = (db: Db) => db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
const free = (db: Db) => db.pragma('max_page_count = 1073741823');

/** The engine's arrangement on a real file: grouped writes, health told of commits, the guard. */
function engineStores() {
  const db = openDb(join(mkdtempSync(join(tmpdir(), 'pbx-guard-')), 'calls.sqlite'));
  const logs: string[] = [];
  const log = textLogger((m) => logs.push(m));
  const health = new StoreHealth(log, { confirmByCommit: true });
  const writes = groupWrites(db, (m) => logs.push(m), { committed: () => health.committed(), failed: (w, e, n) => health.failed(w, e, n) });
  const raw = new CallStore(db);
  const rawVoicemails = new VoicemailStore(db);
  const g = guardStores(raw, rawVoicemails, { health, log, commit: () => writes.flush() });
  return { db, logs, health, writes, raw, rawVoicemails, ...g };
}

describe('a store that cannot write never throws into call code', () => {
  it('disk full: writes return instead of throwing, one line for the kind of failure, the store is degraded; space again: ok', async () => {
    const s = engineStores();
    s.calls.createCall(call('a'));
    await nextTurn();
    fill(s.db);
    const padding = { pad: 'x'.repeat(8000) };
    expect(() => {
      s.calls.createCall(call('b'));
      for (let i = 0; i < 20; i++) s.calls.addEvent('a', 2, 'big', padding);
    }).not.toThrow();
    expect(s.health.report()).toMatchObject({ state: 'degraded' });
    await nextTurn();
    expect(s.health.report().failedWrites).toBeGreaterThanOrEqual(20);
    expect(s.logs).toEqual([expect.stringMatching(/^database: a write failed \(.*database or disk is full\); calls go on from memory/)]);
    free(s.db);
    s.calls.addEvent('a', 8, 'small');
    await nextTurn();
    expect(s.health.report()).toMatchObject({ state: 'ok', reasons: [] });
    expect(s.logs.at(-1)).toMatch(/writes are kept again after SQLITE_FULL: \d+ failed write/);
    s.writes.stop();
    s.db.close();
  });

  it('no write possible: ids are stand-ins, a voicemail and a callback are held (and logged to recover by hand), a mode is kept in memory; writes again: all written', async () => {
    const s = engineStores();
    s.calls.createCall(call('a'));
    await nextTurn();
    s.db.pragma('query_only = ON');
    const entry = s.calls.enterQueue('a', 'scheduling', 0, 'en', 3);
    expect(entry).toBeLessThan(0);
    expect(() => s.calls.recordPosition(entry, 3, 1, null)).not.toThrow();
    expect(s.calls.leaveQueue(entry, 4, 'answered', 'james')).toBe(true);
    const vm = s.voicemails.add(message('a'), mail);
    expect(vm).toBeLessThan(0);
    const cb = s.calls.createCallback({ callId: 'a', list: 'callbacks', number: '+15125550124', reason: null, site: null, createdAt: 6, deadline: null });
    expect(cb).toBeLessThan(0);
    s.calls.queueWebhook(cb, 6);
    s.calls.setSetting('modes', { riverside: 'night' }, 7);
    expect(s.calls.setting('modes')).toEqual({ riverside: 'night' });
    await nextTurn();
    expect(s.health.report().state).toBe('degraded');
    expect(s.logs.filter((l) => /a write failed/.test(l))).toHaveLength(1);
    expect(s.logs.filter((l) => /recording pbx-vm-a, 12 s\) could not be written; it is held in memory/.test(l))).toHaveLength(1);
    expect(s.pending()).toBe(2);
    expect(s.rawVoicemails.list()).toEqual([]);

    s.db.pragma('query_only = OFF');
    s.calls.addEvent('a', 8, 'small');
    await nextTurn();
    expect(s.health.report()).toMatchObject({ state: 'ok', reasons: [] });
    expect(s.pending()).toBe(0);
    const kept = s.rawVoicemails.list();
    expect(kept).toMatchObject([{ callId: 'a', recording: 'pbx-vm-a', mailbox: 'front-desk' }]);
    expect(s.rawVoicemails.outboxFor(kept[0]!.id)).toMatchObject([{ subject: `voicemail ${kept[0]!.id}` }]);
    const callbacks = s.raw.callbacks();
    expect(callbacks).toMatchObject([{ callId: 'a', list: 'callbacks', number: '+15125550124' }]);
    expect(s.raw.webhookState(callbacks[0]!.id)).toMatchObject({ next: 6 });
    expect(s.raw.setting('modes')).toEqual({ riverside: 'night' });
    s.writes.stop();
    s.db.close();
  });

  it('a read-only connection: writes fail as SQLITE_READONLY, calls are not thrown at, the store recovers when writes are allowed', async () => {
    const s = engineStores();
    s.db.pragma('query_only = ON');
    expect(() => s.calls.createCall(call('a'))).not.toThrow();
    expect(s.health.report().state).toBe('degraded');
    expect(s.logs[0]).toMatch(/a write failed .*SQLITE_READONLY/);
    s.db.pragma('query_only = OFF');
    s.calls.createCall(call('b'));
    await nextTurn();
    expect(s.health.report().state).toBe('ok');
    expect(s.raw.call('b')).toBeDefined();
    s.writes.stop();
    s.db.close();
  });

  it('a held voicemail is written by retry() (what the file watch runs each tick) without any other write', async () => {
    const s = engineStores();
    s.calls.createCall(call('a'));
    await nextTurn();
    s.db.pragma('query_only = ON');
    expect(s.voicemails.add(message('a'), mail)).toBeLessThan(0);
    s.retry();
    expect(s.pending()).toBe(1);
    s.db.pragma('query_only = OFF');
    s.retry();
    expect(s.pending()).toBe(0);
    expect(s.health.report().state).toBe('ok');
    expect(s.rawVoicemails.list()).toHaveLength(1);
    s.writes.stop();
    s.db.close();
  });
});

describe('the SMS outbox store, guarded', () => {
  it("a text's update that fails is counted, not thrown (the next flush settles it); queuing is not guarded", () => {
    const db = openDb(':memory:');
    const log = textLogger(() => {});
    const health = new StoreHealth(log);
    const sms = guardSmsStore(new SmsStore(db), health);
    const id = sms.queue({ callId: null, to: '+15125550123', message: 'm', language: 'en', body: 'b', site: null, createdAt: 1 });
    db.exec('DROP TABLE sms_outbox');
    expect(() => sms.markSent(id, 2, 'SM1')).not.toThrow();
    expect(() => sms.markRetry(id, 'HTTP 503', 3)).not.toThrow();
    expect(health.report()).toMatchObject({ state: 'degraded', failedWrites: 2 });
    expect(() => sms.queue({ callId: null, to: '+15125550123', message: 'm', language: 'en', body: 'b', site: null, createdAt: 1 })).toThrow();
  });
});
