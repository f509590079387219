/**
 * The engine's cron jobs (node-cron), in the clinic's time zone rather than the server's clock:
 * every minute the on-call handoffs since the last look are logged; every night at 03:15 clinic
 * time, voicemail recordings past the retention are purged. A reload that changes the zone moves
 * the nightly job to the new one.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Telephony } from '../calls/telephony.js';
import type { Plan } from '../routing/types.js';
import type { CallStore } from '../store/call-store.js';
import type { VoicemailStore } from '../store/voicemail-store.js';
import { logHandoffs } from './handoffs.js';
import { purgeVoicemails } from './retention.js';

/** Minute and hour of the nightly purge, clinic time: after the evening, before the morning rush. */
export const RETENTION_CRON = '15 3 * * *';

export interface JobDeps {
  /** The running plan (a reload may change rosters and retention). */
  readonly plan: () => Plan;
  readonly store: Pick<CallStore, 'oncallOverrides'>;
  readonly voicemails: VoicemailStore;
  readonly telephony: Pick<Telephony, 'deleteRecording'>;
  readonly now: () => number;
  readonly log: (message: string) => void;
}

export interface Jobs {
  /** The zone the jobs run in. */
  zone(): string;
  /** Runs the jobs in another zone from now on (a reload changed the sites' zone). */
  setZone(zone: string): void;
  /** When the next nightly purge runs. */
  nextPurge(): Date | null;
  stop(): void;
}

/** Starts the jobs in `zone` (an IANA name). */
export function startJobs(d: JobDeps, zone: string): Jobs {
  let lastHandoffCheck = d.now();
  const handoffs = cron.schedule(
    '* * * * *',
    () => {
      const now = d.now();
      try {
        logHandoffs(d.plan(), lastHandoffCheck, now, d.store.oncallOverrides(lastHandoffCheck), d.log);
        lastHandoffCheck = now;
      } catch (e) {
        // A store that cannot be read must not end the process from a cron tick; the next minute looks again.
        d.log(`on-call handoffs: reading the overrides failed: ${(e as Error).message}`);
      }
    },
    { timezone: zone, name: 'oncall-handoffs' },
  );
  const nightly = (z: string): ScheduledTask =>
    cron.schedule(RETENTION_CRON, () => void purgeVoicemails(d.voicemails, d.telephony, d.now(), d.plan().retention.voicemailDays, d.log).catch((e: Error) => d.log(`retention: ${e.message}`)), { timezone: z, name: 'retention' });
  let current = zone;
  let retention = nightly(zone);
  return {
    zone: () => current,
    setZone(z) {
      if (z === current) return;
      void retention.destroy();
      current = z;
      retention = nightly(z);
    },
    nextPurge: () => retention.getNextRun(),
    stop() {
      void retention.destroy();
      void handoffs.destroy();
    },
  };
}
