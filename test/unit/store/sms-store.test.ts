/** The SMS outbox and opt-outs on a real SQLite database and a real PostgreSQL. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { CallStore } from '../../../src/store/call-store.js';
import { openDb, schemaVersion, type Db } from '../../../src/store/db.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { SmsStore, type NewSms } from '../../../src/store/sms-store.js';
import { STORE_ADAPTERS, useStores } from '../../support/store-adapters.js';

const HOUR = 3_600_000;
const text = (over: Partial<NewSms> = {}): NewSms => ({
  callId: 'c1',
  to: '+15125550123',
  message: 'book-online',
  language: 'en',
  body: 'Riverside: book at clinic.example/book',
  site: 'riverside',
  createdAt: 1_000,
  ...over,
});

describe.each(STORE_ADAPTERS)('on %s', (kind) => {
  let db: Db;
  let store: SmsStore;
  const stores = useStores(kind);
  beforeEach(() => {
    db = stores.open();
    new CallStore(db).createCall({ id: 'c1', channelId: 'ch-c1', did: '+15125550100', caller: '+15125550123', site: 'riverside', language: 'en', priority: 0, state: 'routing', arrivedAt: 1_000, configVersion: 'abc' });
    store = new SmsStore(db);
  });

  describe('migration 8', () => {
    it.runIf(kind === 'sqlite')('adds sms_outbox and sms_opt_outs to a version-7 database, keeping its calls', () => {
      const path = join(mkdtempSync(join(tmpdir(), 'pbx-sms-')), 'calls.sqlite');
      const v7 = openDb(path, MIGRATIONS.filter((m) => m.version <= 7));
      new CallStore(v7).createCall({ id: 'old', channelId: 'ch', did: '+15125550100', caller: '+15125550123', site: null, language: 'en', priority: 0, state: 'routing', arrivedAt: 1, configVersion: 'v' });
      v7.close();
      const now = openDb(path);
      expect(schemaVersion(now)).toBe(MIGRATIONS.at(-1)!.version);
      expect(new CallStore(now).call('old')).toBeDefined();
      expect(new SmsStore(now).queue(text({ callId: 'old' }))).toBe(1);
      now.close();
    });

    it('refuses a status outside queued, sent, failed, refused', () => {
      const id = store.queue(text());
      expect(() => db.prepare(`UPDATE sms_outbox SET status = 'lost' WHERE id = ?`).run(id)).toThrow(/CHECK constraint|violates check constraint/);
    });
  });

  describe('the outbox', () => {
    it('queues a text due at once, with its own idempotency key', () => {
      const a = store.get(store.queue(text()))!;
      const b = store.get(store.queue(text({ callId: null })))!;
      expect(a).toMatchObject({ status: 'queued', attempts: 0, nextAttempt: 1_000, callId: 'c1', to: '+15125550123', providerId: null, sentAt: null, finishedAt: null });
      expect(a.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
      expect(b.idempotencyKey).not.toBe(a.idempotencyKey);
      expect(store.due(1_000).map((s) => s.id)).toEqual([a.id, b.id]);
      expect(store.due(999)).toEqual([]);
      expect(store.forCall('c1').map((s) => s.id)).toEqual([a.id]);
    });

    it('lists texts since a time, newest first, of one status when asked', () => {
      const old = store.queue(text({ createdAt: 500 }));
      const sent = store.queue(text({ createdAt: 2_000 }));
      const queued = store.queue(text({ createdAt: 3_000 }));
      store.claim(sent, 3_000, 60_000);
      store.markSent(sent, 3_000, 'SM1');
      expect(store.list(1_000).map((s) => s.id)).toEqual([queued, sent]);
      expect(store.list(0, 'queued').map((s) => s.id)).toEqual([queued, old]);
      expect(store.list(0, 'sent', 1).map((s) => s.id)).toEqual([sent]);
    });

    it('a claim counts the attempt and moves the next try; a second claim of the same due text fails', () => {
      const id = store.queue(text());
      expect(store.claim(id, 1_000, 61_000)).toBe(true);
      expect(store.claim(id, 1_000, 61_000)).toBe(false);
      expect(store.get(id)).toMatchObject({ attempts: 1, nextAttempt: 61_000, status: 'queued', sendingSince: 1_000 });
      expect(store.due(60_999)).toEqual([]);
      expect(store.due(61_000).map((s) => s.id)).toEqual([id]);
    });

    it('sent, retried and finished texts keep their status, error and times; a finished text never changes again', () => {
      const sent = store.queue(text());
      const retried = store.queue(text());
      const refused = store.queue(text());
      const failed = store.queue(text());
      for (const id of [sent, retried, refused, failed]) store.claim(id, 1_000, 60_000);
      store.markSent(sent, 2_000, 'SM123');
      store.markRetry(retried, 'HTTP 503: busy', 30_000);
      store.markFinished(refused, 'refused', 2_000, 'HTTP 400: not a mobile number');
      store.markFinished(failed, 'failed', 2_000, 'x'.repeat(2_000));
      store.markSent(refused, 3_000, 'late');
      for (const id of [sent, retried, refused, failed]) expect(store.get(id)!.sendingSince).toBeNull();
      expect(store.get(sent)).toMatchObject({ status: 'sent', providerId: 'SM123', sentAt: 2_000, finishedAt: 2_000, nextAttempt: null, lastError: null });
      expect(store.get(retried)).toMatchObject({ status: 'queued', lastError: 'HTTP 503: busy', nextAttempt: 30_000 });
      expect(store.get(refused)).toMatchObject({ status: 'refused', lastError: 'HTTP 400: not a mobile number', finishedAt: 2_000, providerId: null, sentAt: null });
      expect(store.get(failed)!.lastError).toHaveLength(500);
      expect(store.queued().map((s) => s.id)).toEqual([retried]);
    });
  });

  describe('counts', () => {
    it('texts to a number in the last hour count all but the refused ones', () => {
      store.queue(text({ createdAt: 0 }));
      const refused = store.queue(text({ createdAt: HOUR }));
      store.queue(text({ createdAt: HOUR + 1 }));
      store.queue(text({ to: '+15125550199', createdAt: HOUR + 1 }));
      store.markFinished(refused, 'refused', HOUR, 'HTTP 400');
      expect(store.countToNumberSince('+15125550123', 1)).toBe(1);
      expect(store.countToNumberSince('+15125550123', 0)).toBe(2);
    });

    it('sent per period (by when the provider accepted) and all by status (by when asked for)', () => {
      const ids = [1_000, 2_000, 3_000, 4_000].map((at) => store.queue(text({ createdAt: at })));
      store.markSent(ids[0]!, 1_500, 'a');
      store.markSent(ids[1]!, 5_000, 'b');
      store.markFinished(ids[2]!, 'failed', 3_500, 'timeout');
      expect(store.countSent(0, 5_000)).toBe(1);
      expect(store.countSent(0, 5_001)).toBe(2);
      expect(store.countByStatus(0, 10_000)).toEqual({ queued: 1, sent: 2, failed: 1, refused: 0 });
      expect(store.countByStatus(2_000, 3_000)).toEqual({ queued: 0, sent: 1, failed: 0, refused: 0 });
    });
  });

  describe('opt-outs', () => {
    it('are per site; * covers every site; opting in again removes exactly that one', () => {
      store.optOut('riverside', '+15125550123', 1_000, 'front-desk');
      store.optOut('riverside', '+15125550123', 2_000, 'stop-reply');
      expect(store.isOptedOut('riverside', '+15125550123')).toBe(true);
      expect(store.isOptedOut('hillside', '+15125550123')).toBe(false);
      expect(store.isOptedOut(null, '+15125550123')).toBe(false);
      store.optOut('*', '+15125550199', 1_000, 'stop-reply');
      expect(store.isOptedOut('hillside', '+15125550199')).toBe(true);
      expect(store.isOptedOut(null, '+15125550199')).toBe(true);
      expect(store.optOuts()).toEqual([
        { site: '*', number: '+15125550199', at: 1_000, source: 'stop-reply' },
        { site: 'riverside', number: '+15125550123', at: 1_000, source: 'front-desk' },
      ]);
      expect(store.optIn('hillside', '+15125550199')).toBe(false);
      expect(store.optIn('*', '+15125550199')).toBe(true);
      expect(store.isOptedOut('hillside', '+15125550199')).toBe(false);
    });
  });
});
