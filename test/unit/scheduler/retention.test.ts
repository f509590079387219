import { describe, expect, it } from 'vitest';
import { TelephonyError } from '../../../src/calls/telephony.js';
import { openDb } from '../../../src/store/db.js';
import { VoicemailStore } from '../../../src/store/voicemail-store.js';
import { purgeVoicemails } from '../../../src/scheduler/retention.js';

const DAY = 86_400_000;

describe('voicemail retention', () => {
  it('deletes recordings older than the limit from Asterisk, marks them purged, keeps the rest and logs what it did', async () => {
    const store = new VoicemailStore(openDb(':memory:'));
    const now = Date.parse('2026-11-23T03:15:00Z');
    const add = (name: string, ageDays: number) =>
      store.add({ callId: null, mailbox: 'm', caller: '+15125550123', did: '+15125550100', site: null, reason: null, urgent: false, recording: name, duration: 5, createdAt: now - ageDays * DAY }, { recipients: ['a@b.example'], attach: false, compose: () => ({ subject: 's', body: 'b' }) });
    const old = add('old', 31);
    const gone = add('gone-already', 40);
    const stuck = add('stuck', 35);
    const fresh = add('fresh', 29);
    const deleted: string[] = [];
    const telephony = {
      deleteRecording: async (name: string) => {
        if (name === 'stuck') throw new TelephonyError('timeout', 'ARI recordings.deleteStored did not answer within 5000 ms');
        deleted.push(name);
      },
    };
    const logs: string[] = [];
    const purged = await purgeVoicemails(store, telephony, now, 30, (m) => logs.push(m));
    expect(purged.sort()).toEqual([old, gone].sort());
    expect(deleted.sort()).toEqual(['gone-already', 'old']);
    expect(store.list().map((v) => v.id).sort()).toEqual([stuck, fresh].sort());
    expect(logs.join('\n')).toContain(`voicemail ${stuck} kept for now`);
    expect(logs.at(-1)).toMatch(/purged 2 voicemail\(s\) older than 30 days/);
    expect(logs.join('\n')).not.toContain('+1512');
  });
});

describe('voicemail retention on a store that fails', () => {
  it('a database that cannot be read or written: the purge resolves and logs, it never rejects', async () => {
    const db = openDb(':memory:');
    const store = new VoicemailStore(db);
    db.close();
    const logs: string[] = [];
    await expect(purgeVoicemails(store, { deleteRecording: async () => {} }, Date.now(), 30, (m) => logs.push(m))).resolves.toEqual([]);
    expect(logs).toEqual([expect.stringMatching(/^retention: reading the voicemails to purge failed: .*; nothing purged, tried again next night$/)]);
  });
});

describe('voicemail retention of failsafe messages', () => {
  it('a failsafe message past the limit is marked purged without asking ARI to delete a recording it never had', async () => {
    const store = new VoicemailStore(openDb(':memory:'));
    const now = Date.parse('2026-11-23T03:15:00Z');
    const id = store.addFailsafe('1795561503-00000000', '100@default', { callId: null, mailbox: 'failsafe', caller: '+15125550123', did: '', site: null, reason: null, urgent: false, recording: 'failsafe:100@default/1795561503-00000000', duration: 5, createdAt: now - 31 * DAY }, { recipients: ['a@b.example'], compose: () => ({ subject: 's', body: 'b' }) });
    const deleted: string[] = [];
    const purged = await purgeVoicemails(store, { deleteRecording: async (name: string) => void deleted.push(name) }, now, 30, () => {});
    expect(purged).toEqual([id]);
    expect(deleted).toEqual([]);
    expect(store.failsafeNoticed('1795561503-00000000')).toBe(true);
  });
});
