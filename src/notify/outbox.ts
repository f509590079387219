/**
 * Delivers queued emails with retries: a failure is recorded with its error and tried again after
 * a growing delay (capped), for ever; nothing is dropped. The audio of an attachment is fetched at
 * send time (from Asterisk), so the database never holds recordings.
 */
import type { OutboxRecord, VoicemailStore } from '../store/voicemail-store.js';
import type { Mailer } from './mailer.js';

export interface OutboxDeps {
  readonly store: VoicemailStore;
  readonly mailer: Mailer;
  readonly now: () => number;
  /** The recording's WAV bytes (ARI GET /recordings/stored/{name}/file). */
  readonly fetchRecording: (name: string) => Promise<Buffer>;
  readonly log?: (m: string) => void;
}

/** Why 30 s doubling to 30 min: a restarting mail server is back in a minute; an outage can last hours. */
export function retryDelay(attempts: number): number {
  return Math.min(30 * 60_000, 30_000 * 2 ** Math.max(0, attempts - 1));
}

/** Sends every email that is due; returns how many were delivered and how many failed. */
export async function flushOutbox(d: OutboxDeps): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  // A later email of a voicemail to the same people (its transcript) waits behind one that failed.
  const held = new Set<string>();
  const key = (m: OutboxRecord) => `${m.voicemailId}\0${JSON.stringify(m.recipients)}`;
  const tried = new Set<number>();
  let batch = d.store.due(d.now());
  while (batch.length > 0) {
    const before = sent;
    for (const mail of batch) {
      tried.add(mail.id);
      if (mail.voicemailId !== null && held.has(key(mail))) continue;
      try {
        const info = await d.mailer.send(await message(d, mail));
        d.store.markSent(mail.id, d.now(), info.messageId);
        sent++;
      } catch (e) {
        const next = d.now() + retryDelay(mail.attempts + 1);
        d.store.markFailed(mail.id, (e as Error).message, next);
        d.log?.(`email ${mail.id} (voicemail ${mail.voicemailId ?? '-'}) not delivered, attempt ${mail.attempts + 1}: ${(e as Error).message}; next try in ${Math.round((next - d.now()) / 1000)} s`);
        failed++;
        if (mail.voicemailId !== null) held.add(key(mail));
      }
    }
    if (sent === before) break;
    // Again after a delivery: the email it held back (the transcript behind its message) is due now.
    batch = d.store.due(d.now()).filter((m) => !tried.has(m.id));
  }
  return { sent, failed };
}

async function message(d: OutboxDeps, mail: OutboxRecord) {
  const attachments = mail.attach ? [{ filename: `voicemail-${mail.voicemailId ?? mail.id}.wav`, content: await d.fetchRecording(mail.attach), contentType: 'audio/wav' }] : [];
  return { to: mail.recipients, subject: mail.subject, text: mail.body, attachments };
}
