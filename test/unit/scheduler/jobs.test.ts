import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/config/index.js';
import { openDb } from '../../../src/store/db.js';
import { VoicemailStore } from '../../../src/store/voicemail-store.js';
import { startJobs, type Jobs } from '../../../src/scheduler/jobs.js';

let jobs: Jobs | null = null;
afterEach(() => {
  jobs?.stop();
  jobs = null;
});

const local = (d: Date | null, zone: string) => DateTime.fromJSDate(d!).setZone(zone).toFormat('HH:mm');

describe('cron jobs', () => {
  it("the nightly purge runs at 03:15 in the clinic's time zone, not the server's, and follows a change of zone", () => {
    const plan = loadPlan('config/example-clinic.yaml').plan!;
    jobs = startJobs({ plan: () => plan, store: { oncallOverrides: () => ({}) }, voicemails: new VoicemailStore(openDb(':memory:')), telephony: { deleteRecording: async () => {} }, now: () => Date.now(), log: () => {} }, 'America/Chicago');
    expect(jobs.zone()).toBe('America/Chicago');
    const chicago = jobs.nextPurge();
    expect(local(chicago, 'America/Chicago')).toBe('03:15');
    jobs.setZone('Asia/Tokyo');
    expect(jobs.zone()).toBe('Asia/Tokyo');
    const tokyo = jobs.nextPurge();
    expect(local(tokyo, 'Asia/Tokyo')).toBe('03:15');
    // 03:15 in Chicago and in Tokyo are different moments (15 hours apart, modulo a day).
    expect(local(chicago, 'UTC')).not.toBe(local(tokyo, 'UTC'));
  });
});
