/**
 * Retention: voicemail recordings older than the configured number of days are deleted from
 * Asterisk (through ARI) and their rows marked purged; what was removed is logged (ids and counts,
 * no caller numbers: the log is not patient data).
 */
import type { Telephony } from '../calls/telephony.js';
import { FAILSAFE_RECORDING } from '../notify/failsafe-box.js';
import type { VoicemailStore } from '../store/voicemail-store.js';

/**
 * Purges voicemails older than `days`; returns the ids purged. A recording Asterisk no longer has
 * still counts as purged. Never rejects: the nightly job runs it unawaited, and a store that fails
 * (full, read-only, gone) is logged and the rest waits for the next night.
 */
export async function purgeVoicemails(store: VoicemailStore, telephony: Pick<Telephony, 'deleteRecording'>, now: number, days: number, log: (m: string) => void): Promise<number[]> {
  const cutoff = now - days * 86_400_000;
  const purged: number[] = [];
  let old;
  try {
    old = store.olderThan(cutoff);
  } catch (e) {
    log(`retention: reading the voicemails to purge failed: ${(e as Error).message}; nothing purged, tried again next night`);
    return purged;
  }
  for (const v of old) {
    try {
      // A failsafe message's audio is in Asterisk's voicemail spool, not an ARI recording: only its row goes.
      if (!v.recording.startsWith(FAILSAFE_RECORDING)) await telephony.deleteRecording(v.recording);
    } catch (e) {
      log(`retention: voicemail ${v.id} kept for now, deleting its recording failed: ${(e as Error).message}`);
      continue;
    }
    try {
      store.purged(v.id, now);
      purged.push(v.id);
    } catch (e) {
      // The recording is gone: the row is marked again next night (deleting a missing recording counts as done).
      log(`retention: voicemail ${v.id}: its recording is deleted but marking it purged failed: ${(e as Error).message}; marked next night`);
    }
  }
  log(`retention: purged ${purged.length} voicemail(s) older than ${days} days${purged.length ? ` (ids ${purged.join(', ')})` : ''}`);
  return purged;
}
