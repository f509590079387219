/** The same store calls on SQLite and on PostgreSQL give the same answers: every method of the three stores, in one sequence, compared as JSON. */
import { afterEach, describe, expect, it } from 'vitest';
import { CallStore } from '../../../src/store/call-store.js';
import { openDb, type Db } from '../../../src/store/db.js';
import { SmsStore } from '../../../src/store/sms-store.js';
import { VoicemailStore } from '../../../src/store/voicemail-store.js';
import { useStores } from '../../support/store-adapters.js';

/** Writes and reads through every store method; what each read answered, in order. */
function exercise(db: Db): unknown[] {
  const out: unknown[] = [];
  const c = new CallStore(db);
  const v = new VoicemailStore(db);
  const s = new SmsStore(db);
  c.createCall({ id: 'a', channelId: 'ch', did: '+15125550100', caller: '+15125550123', site: 'riverside', language: 'en', priority: 1, state: 'routing', arrivedAt: 1795449600000, configVersion: 'v' });
  c.updateCall('a', { answeredAt: 1795449601000, agent: 'maria', resume: '{"k":1}' });
  const cb = c.createCallback({ callId: 'a', list: 'callbacks', number: '+15125550124', reason: null, site: null, createdAt: 5, deadline: null });
  c.queueWebhook(cb, 10);
  out.push(c.webhookDue(10));
  c.webhookFailed(cb, 'HTTP 503', 20);
  out.push(c.webhookState(cb));
  c.webhookSent(cb, 30);
  out.push(c.webhookState(cb), c.webhookDue(100));
  out.push(c.addOncallOverride('on-call-nurse', 'dr-chen', 1, 1795449600000, 2), c.oncallOverrides(0));
  c.addEvent('a', 7, 'forward', { to: '+15125550199' });
  out.push(c.eventsOfType('forward', 0), c.callsBetween(0, 1795449600001), c.callByCaller('+15125550123'), c.callByChannel('ch'));
  c.endCall('a', 1795449660000, 'answered');
  const entry = c.enterQueue('a', 'scheduling', 0, 'en', 1);
  c.recordPosition(entry, 1, 1, 60);
  c.leaveQueue(entry, 2, 'answered', 'maria');
  out.push(c.recentHandleTimes('scheduling'), c.queueEntries('a'), c.positions(entry), c.waiting(), c.openCalls());
  c.agentState('maria', 'available', 1);
  c.agentState('maria', 'busy', 2, 'call a');
  c.setSetting('mode', { night: true }, 3);
  c.setSetting('mode', { night: false }, 4);
  out.push(c.lastAgentStates(), c.setting('mode'), c.setting('nothing'), c.callbacks(true), c.callbackDone(cb, 40, 'maria'), c.callbacks(false));
  const mail = { recipients: ['desk@clinic.example'], compose: (id: number) => ({ subject: `Voicemail ${id}`, body: 'b' }) };
  const id = v.addFailsafe('msg-1', 'default', { callId: null, mailbox: 'front-desk', caller: '+15125550123', did: '+15125550100', site: null, reason: 'after-hours', urgent: true, recording: 'rec-1', duration: 12, createdAt: 3, transcribe: true }, mail);
  out.push(v.failsafeNoticed('msg-1'), v.failsafeNoticed('msg-2'), v.get(id), v.list(), v.awaitingTranscript().length);
  v.transcribed(id, { text: 'chest pain', engine: 'pocketsphinx', confidence: 0.25, cpuMs: 3.6, urgentWords: ['chest pain'], at: 9 }, [{ recipients: ['pager@clinic.example'], subject: 'URGENT', body: 'b' }]);
  const due = v.due(100);
  out.push(due);
  v.markFailed(due[0]!.id, '451 try later', 200);
  v.markSent(due[1]!.id, 50, 'mid-1');
  out.push(v.pending(), v.outboxFor(id));
  v.purged(id, 99);
  out.push(v.get(id), v.olderThan(100));
  const text = s.queue({ callId: 'a', to: '+15125550123', message: 'book-online', language: 'en', body: 'b', site: 'riverside', createdAt: 1 });
  out.push(s.claim(text, 1, 60), s.due(100), s.queued().map((t) => t.id), s.forCall('a').map((t) => t.status));
  s.markRetry(text, 'HTTP 503', 70);
  s.claim(text, 70, 130);
  s.markSent(text, 80, 'SM1');
  s.optOut('*', '+15125550155', 1, 'stop-reply');
  s.optOut('riverside', '+15125550155', 1, 'front-desk');
  out.push(s.get(text), s.isOptedOut('hillside', '+15125550155'), s.optOuts(), s.optInEverywhere('+15125550155'), s.countSent(0, 100), s.countByStatus(0, 100), s.countToNumberSince('+15125550123', 0), s.list(0, 'sent'));
  out.push((() => {
    try {
      c.createCall({ id: 'a', channelId: 'ch', did: '+1', caller: '+2', site: null, language: 'en', priority: 0, state: 'routing', arrivedAt: 1, configVersion: 'v' });
      return 'written twice';
    } catch {
      return 'refused';
    }
  })());
  // Each text's idempotency key is a new random UUID.
  return JSON.parse(JSON.stringify(out, (k, value: unknown) => (k === 'idempotencyKey' ? 'a uuid' : value))) as unknown[];
}

describe('the same answers on both adapters', () => {
  const stores = useStores('postgres');
  const sqlite: Db[] = [];
  afterEach(() => sqlite.splice(0).forEach((db) => db.close()));

  it('every store method, one sequence, SQLite and PostgreSQL compared', () => {
    const lite = openDb(':memory:');
    sqlite.push(lite);
    const onSqlite = exercise(lite);
    expect(exercise(stores.open())).toEqual(onSqlite);
    expect(onSqlite.at(-1)).toBe('refused');
  });
});
