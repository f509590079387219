/**
 * The load run's baseline: the smallest ari-client application there is. It answers every call
 * that enters Stasis and hangs it up `holdMs` later; nothing else (no state, no database).
 */
import ari from 'ari-client';
import { markBufferWarningShown } from '../src/asterisk/ari-telephony.js';

/** Where the bare application connects and how long it keeps each call. */
export interface BareAppOptions {
  readonly url: string;
  readonly user: string;
  readonly password: string;
  readonly app: string;
  readonly holdMs: number;
}

/** A running bare application. */
export interface BareApp {
  /** Calls answered so far. */
  answered(): number;
  /** REST commands that failed (e.g. a hangup after the caller left first). */
  failures(): number;
  stop(): void;
}

/** Connects, starts the Stasis application and answers every call. */
export async function startBareApp(o: BareAppOptions): Promise<BareApp> {
  // The same one-time fix as the engine's adapter, so that the ratio measures the engine alone.
  markBufferWarningShown();
  const client = await ari.connect(o.url, o.user, o.password);
  let answered = 0;
  let failures = 0;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  client.on('StasisStart', (event: { channel: { id: string } }) => {
    const channelId = event.channel.id;
    client.channels.answer!({ channelId }).then(
      () => {
        answered++;
        const t = setTimeout(() => {
          timers.delete(t);
          client.channels.hangup!({ channelId }).catch(() => failures++);
        }, o.holdMs);
        timers.add(t);
      },
      () => failures++,
    );
  });
  await client.start(o.app);
  return {
    answered: () => answered,
    failures: () => failures,
    stop: () => {
      for (const t of timers) clearTimeout(t);
      client.stop();
    },
  };
}
