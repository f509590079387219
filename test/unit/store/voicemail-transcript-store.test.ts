/** Migration 9 and the transcript of a voicemail in the store: pending, done with its emails, failed; written once. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { textLogger } from '../../../src/logging/logger.js';
import { CallStore } from '../../../src/store/call-store.js';
import { openDb, schemaVersion } from '../../../src/store/db.js';
import { guardStores } from '../../../src/store/guarded-store.js';
import { StoreHealth } from '../../../src/store/store-health.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { VoicemailStore, type NewVoicemail } from '../../../src/store/voicemail-store.js';
import type { Db } from '../../../src/store/db.js';
import { STORE_ADAPTERS, useStores, type StoreAdapter } from '../../support/store-adapters.js';

const message = (over: Partial<NewVoicemail> = {}): NewVoicemail => ({ callId: null, mailbox: 'front-desk', caller: '+15125550123', did: '+15125550100', site: 'riverside', reason: null, urgent: false, recording: 'vm-1', duration: 30, createdAt: 1_000, ...over });
const mail = { recipients: ['desk@clinic.example'], attach: false, compose: (id: number) => ({ subject: `Voicemail ${id}`, body: 'b' }) };

describe('voicemail transcripts in the store', () => {
  it('migration 9 adds the transcript columns to a version-8 database, keeping its voicemails (not to be transcribed)', () => {
    expect(MIGRATIONS.some((m) => m.version === 9)).toBe(true);
    const path = join(mkdtempSync(join(tmpdir(), 'pbx-tx-')), 'calls.sqlite');
    const v8 = openDb(path, MIGRATIONS.filter((m) => m.version <= 8));
    v8.prepare(`INSERT INTO voicemails (mailbox, caller, did, recording, duration, created_at) VALUES ('desk', '+15125550123', '+15125550100', 'vm-old', 20, 5)`).run();
    v8.close();
    const db = openDb(path);
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    const store = new VoicemailStore(db);
    expect(store.list()[0]).toMatchObject({ recording: 'vm-old', transcriptStatus: null, transcript: null, urgentWords: null });
    expect(store.awaitingTranscript()).toEqual([]);
    expect(() => db.prepare(`UPDATE voicemails SET transcript_status = 'lost'`).run()).toThrow(/CHECK constraint/);
    db.close();
  });
});

/** A write to transcript_status that the database refuses (an injected disk error), in each dialect; and its removal. */
const refusal = (kind: StoreAdapter) =>
  kind === 'sqlite'
    ? { on: `CREATE TRIGGER refuse BEFORE UPDATE OF transcript_status ON voicemails BEGIN SELECT RAISE(ABORT, 'injected: disk I/O error'); END`, off: 'DROP TRIGGER refuse' }
    : {
        on: `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected: disk I/O error'; END $$;
             CREATE TRIGGER refuse BEFORE UPDATE OF transcript_status ON voicemails FOR EACH ROW EXECUTE FUNCTION refuse()`,
        off: 'DROP TRIGGER refuse ON voicemails',
      };

describe.each(STORE_ADAPTERS)('voicemail transcripts in the store on %s', (kind) => {
  const stores = useStores(kind);
  const open = (): Db => stores.open();

  it('pending until transcribed; the transcript, urgent flag and emails are written together, once', () => {
    const store = new VoicemailStore(open());
    const quiet = store.add(message(), mail);
    const id = store.add(message({ recording: 'vm-2', transcribe: true }), mail);
    expect(store.get(quiet)!.transcriptStatus).toBeNull();
    expect(store.awaitingTranscript().map((v) => v.id)).toEqual([id]);
    const t = { text: 'chest pain', engine: 'whisper', confidence: 0.5, cpuMs: 1234.4, urgentWords: ['chest pain'], at: 9_000 };
    expect(store.transcribed(id, t, [{ recipients: ['desk@clinic.example'], subject: 'Transcript', body: 'x' }, { recipients: ['pager@x.example'], subject: 'URGENT', body: 'y' }])).toBe(true);
    expect(store.get(id)).toMatchObject({ transcriptStatus: 'done', transcript: 'chest pain', transcriptEngine: 'whisper', transcriptConfidence: 0.5, transcriptCpuMs: 1234, transcribedAt: 9_000, urgentWords: ['chest pain'], urgent: true });
    expect(store.outboxFor(id).map((m) => [m.subject, m.recipients, m.attach])).toEqual([
      [`Voicemail ${id}`, ['desk@clinic.example'], null],
      ['Transcript', ['desk@clinic.example'], null],
      ['URGENT', ['pager@x.example'], null],
    ]);
    // Settled: a second write changes nothing and queues nothing.
    expect(store.transcribed(id, { ...t, text: 'other' }, [{ recipients: ['a@b.c'], subject: 's', body: 'b' }])).toBe(false);
    expect(store.transcriptFailed(id, { engine: 'whisper', error: 'late', cpuMs: null, at: 10_000 })).toBe(false);
    expect(store.get(id)!.transcript).toBe('chest pain');
    expect(store.outboxFor(id)).toHaveLength(3);
    expect(store.awaitingTranscript()).toEqual([]);
  });

  it('a failure keeps its error; an urgent message stays urgent when its transcript has no urgent words', () => {
    const store = new VoicemailStore(open());
    const a = store.add(message({ transcribe: true }), mail);
    const b = store.add(message({ transcribe: true, urgent: true }), mail);
    expect(store.transcriptFailed(a, { engine: 'pocketsphinx', error: 'no transcript after 120 s', cpuMs: null, at: 5 })).toBe(true);
    expect(store.get(a)).toMatchObject({ transcriptStatus: 'failed', transcriptError: 'no transcript after 120 s', transcriptEngine: 'pocketsphinx', transcript: null });
    store.transcribed(b, { text: 'call me', engine: 'pocketsphinx', confidence: 0.9, cpuMs: 1, urgentWords: [], at: 6 }, []);
    expect(store.get(b)).toMatchObject({ urgent: true, urgentWords: [] });
  });

  it('the transcript email is not due while the message email before it is undelivered', () => {
    const store = new VoicemailStore(open());
    const id = store.add(message({ transcribe: true }), mail);
    store.transcribed(id, { text: 'x', engine: 'pocketsphinx', confidence: 1, cpuMs: 1, urgentWords: ['x'], at: 1_000 }, [
      { recipients: ['desk@clinic.example'], subject: 'Transcript', body: 'x' },
      { recipients: ['pager@x.example'], subject: 'URGENT', body: 'y' },
    ]);
    const [first] = store.due(2_000);
    store.markFailed(first!.id, '451', 60_000);
    // The pager's notice does not wait behind the desk's email; the desk's transcript does.
    expect(store.due(2_000).map((m) => m.subject)).toEqual(['URGENT']);
    store.markSent(first!.id, 60_000, 'm1');
    expect(store.due(60_000).map((m) => m.subject)).toEqual(['Transcript', 'URGENT']);
  });

  it('guarded: a transcript that cannot be written does not throw; the voicemail stays pending and no email is queued', () => {
    const db = open();
    const logs: string[] = [];
    const health = new StoreHealth(textLogger((m) => logs.push(m)));
    const { voicemails } = guardStores(new CallStore(db), new VoicemailStore(db), { health, log: textLogger((m) => logs.push(m)) });
    const id = voicemails.add(message({ transcribe: true }), mail);
    db.exec(refusal(kind).on);
    const t = { text: 'x', engine: 'pocketsphinx', confidence: 1, cpuMs: 1, urgentWords: [], at: 2 };
    expect(voicemails.transcribed(id, t, [{ recipients: ['a@b.c'], subject: 's', body: 'b' }])).toBe(false);
    expect(voicemails.transcriptFailed(id, { engine: 'pocketsphinx', error: 'e', cpuMs: null, at: 2 })).toBe(false);
    expect(health.report()).toMatchObject({ state: 'degraded' });
    expect(voicemails.get(id)!.transcriptStatus).toBe('pending');
    expect(voicemails.outboxFor(id)).toHaveLength(1);
    db.exec(refusal(kind).off);
    expect(voicemails.transcribed(id, t, [])).toBe(true);
  });

  it('the retention purge forgets the transcript\'s words and keeps its status', () => {
    const store = new VoicemailStore(open());
    const id = store.add(message({ transcribe: true }), mail);
    store.transcribed(id, { text: 'chest pain', engine: 'pocketsphinx', confidence: 0.7, cpuMs: 1, urgentWords: ['chest pain'], at: 2 }, []);
    store.purged(id, 3);
    expect(store.get(id)).toMatchObject({ purgedAt: 3, transcript: null, urgentWords: null, transcriptStatus: 'done', transcriptEngine: 'pocketsphinx', urgent: true });
  });
});
