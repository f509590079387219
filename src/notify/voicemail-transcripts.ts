/**
 * The transcription queue: voicemails of mailboxes with transcribe: true are transcribed one at a
 * time (a 2-core clinic server has no CPU to spare for two), after their own email was queued, so a
 * slow or failed transcription never delays the message's email. Each job fetches the recording,
 * transcribes it within transcription.timeout, stores the transcript (or the failure and why),
 * matches the urgent words, and queues "Transcript of voicemail N" (and, when urgent, the notice to
 * transcription.onUrgent) in the same transaction. A voicemail stays 'pending' until that is
 * written, so a stop or a store failure only delays it: the next start queues it again (resume).
 */
import type { Logger } from '../logging/logger.js';
import type { CompiledTranscription, Plan } from '../routing/types.js';
import type { NoticeMail, VoicemailRecord, VoicemailStore } from '../store/voicemail-store.js';
import type { Transcriber, Transcript } from '../transcribe/transcriber.js';
import { urgentWordsIn } from '../transcribe/urgent-words.js';
import { describeError, serialRunner } from './serial-runner.js';
import { transcriptEmail, urgentNotice, type TranscriptFacts } from './transcript-email.js';

export interface TranscriptionDeps {
  readonly store: VoicemailStore;
  /** The transcriber for these settings (may throw, e.g. a missing program: the job then fails). */
  readonly transcriber: (settings: CompiledTranscription) => Transcriber;
  /** The running plan (mailboxes, settings, urgent words): a reload applies to the next job. */
  readonly plan: () => Plan;
  /** The recording's WAV bytes (ARI GET /recordings/stored/{name}/file). */
  readonly fetchRecording: (name: string) => Promise<Buffer>;
  /** Sends due emails (the outbox); never rejects. */
  readonly flush: () => unknown;
  /** The engine's clock: the time limit runs on it. */
  readonly clock: { now(): number; after(ms: number, fn: () => void): unknown; cancel(handle: unknown): void };
  readonly log: Logger;
  /** Told of each transcription settled (metrics). */
  readonly onSettled?: (r: { readonly status: 'done' | 'failed'; readonly cpuMs: number | null; readonly urgent: boolean }) => void;
}

export interface TranscriptionQueue {
  /** Queues one voicemail's transcription after those queued already (once; a stand-in id is skipped). */
  add(voicemailId: number): void;
  /** Queues every voicemail still pending and not queued (a stop interrupted it, Asterisk was away); returns how many. */
  resume(): number;
  /** Voicemails queued or being transcribed. */
  size(): number;
  /** Resolves once nothing is queued or running. */
  idle(): Promise<void>;
  /** Takes no more jobs and abandons the running one; their voicemails stay pending for the next start. */
  stop(): void;
}

/** The recording could not be fetched because Asterisk is not reachable now: the voicemail stays pending and is tried again (resume). */
class JobDeferred extends Error {}

/** A failure of one job, with the engine it concerns. */
class JobFailed extends Error {
  constructor(
    readonly engine: string,
    message: string,
    readonly cpuMs: number | null = null,
  ) {
    super(message);
  }
}

/** The queue; jobs start when added (resume() queues those left pending). */
export function transcriptionQueue(d: TranscriptionDeps): TranscriptionQueue {
  const queued: number[] = [];
  const known = new Set<number>();
  let stopped = false;
  let current: AbortController | null = null;

  const drain = async (): Promise<void> => {
    while (!stopped && queued.length > 0) {
      const id = queued[0]!;
      try {
        await job(id);
      } catch (e) {
        // Not the engine's failure (that is recorded): the store or the plan failed. The voicemail stays pending for a later resume.
        d.log.error({ voicemail: id, err: e }, `voicemail ${id}: transcription job failed: ${describeError(e)}; it stays pending and is queued again later`);
      } finally {
        queued.shift();
        known.delete(id);
      }
    }
  };
  const runner = serialRunner(drain, (e) => d.log.error({ err: e }, `transcription: the queue failed: ${describeError(e)}; the voicemails stay pending for the next start`));

  const job = async (id: number): Promise<void> => {
    const v = d.store.get(id);
    if (!v || v.transcriptStatus !== 'pending') return;
    const plan = d.plan();
    const settings = plan.transcription;
    const log = d.log.child({ voicemail: id, mailbox: v.mailbox });
    const controller = new AbortController();
    current = controller;
    let transcript: Transcript;
    try {
      transcript = await transcribe(v, settings, controller);
    } catch (e) {
      if (stopped) return;
      if (e instanceof JobDeferred) {
        log.warn(`voicemail ${id}: transcription waits for Asterisk: ${e.message}; tried again once ARI answers`);
        return;
      }
      const failure = e instanceof JobFailed ? e : new JobFailed(settings.engine, describeError(e));
      log.warn({ engine: failure.engine, error: failure.message }, `voicemail ${id}: transcription failed (${failure.engine}): ${failure.message}`);
      const facts = factsOf(plan, v);
      const mailbox = plan.mailboxes.get(v.mailbox);
      const mails = facts && mailbox ? [{ recipients: mailbox.email, ...transcriptEmail(facts, { kind: 'failed', engine: failure.engine }) }] : [];
      if (!d.store.transcriptFailed(id, { engine: failure.engine, error: failure.message, cpuMs: failure.cpuMs, at: d.clock.now() }, mails)) {
        log.error({ engine: failure.engine }, `voicemail ${id}: its failed transcription could not be recorded; it stays pending and is tried again later`);
        return;
      }
      d.onSettled?.({ status: 'failed', cpuMs: failure.cpuMs, urgent: false });
      void d.flush();
      return;
    } finally {
      current = null;
    }
    if (stopped) return;
    const urgentWords = urgentWordsIn(transcript.text, settings.urgentWords);
    const mails = mailsFor(plan, v, transcript, urgentWords);
    if (!plan.mailboxes.has(v.mailbox)) log.warn(`voicemail ${id}: mailbox ${v.mailbox} is no longer in the config; the transcript is kept but not emailed`);
    const at = d.clock.now();
    if (!d.store.transcribed(id, { text: transcript.text, engine: transcript.engine, confidence: transcript.confidence, cpuMs: transcript.cpuMs, urgentWords, at }, mails)) {
      log.error({ engine: transcript.engine }, `voicemail ${id}: its transcript could not be written; it stays pending and is transcribed again later`);
      return;
    }
    d.onSettled?.({ status: 'done', cpuMs: transcript.cpuMs, urgent: urgentWords.length > 0 });
    // The words are patient data: the log has how many, never which.
    log.info(
      { engine: transcript.engine, confidence: transcript.confidence, cpuMs: Math.round(transcript.cpuMs), urgentWords: urgentWords.length },
      `voicemail ${id}: transcribed by ${transcript.engine} (${transcript.confidence === null ? 'no confidence given' : `confidence ${transcript.confidence.toFixed(2)}`}, ${Math.round(transcript.cpuMs)} ms CPU)${urgentWords.length ? `; flagged URGENT by ${urgentWords.length} urgent word(s)` : ''}; ${mails.length} email(s) queued`,
    );
    void d.flush();
  };

  /** The recording fetched and transcribed, both within the time limit (an engine that ignores its own limit is given up here). */
  const transcribe = (v: VoicemailRecord, settings: CompiledTranscription, controller: AbortController): Promise<Transcript> => {
    const seconds = Math.round(settings.timeoutMs / 1000);
    return new Promise<Transcript>((resolve, reject) => {
      const timer = d.clock.after(settings.timeoutMs, () => {
        reject(new JobFailed(settings.engine, `no transcript after ${seconds} s (transcription.timeout); given up`));
        controller.abort();
      });
      const work = async (): Promise<Transcript> => {
        if (v.purgedAt !== null) throw new JobFailed(settings.engine, 'the recording was purged (retention) before it was transcribed');
        let wav: Buffer;
        try {
          wav = await d.fetchRecording(v.recording);
        } catch (e) {
          const code = (e as { code?: unknown }).code;
          if (code === 'disconnected' || code === 'timeout') throw new JobDeferred(`the recording ${v.recording} could not be fetched (${describeError(e)})`);
          throw new JobFailed(settings.engine, `could not fetch the recording ${v.recording} from Asterisk: ${describeError(e)}`);
        }
        const transcriber = d.transcriber(settings);
        let t: Transcript;
        try {
          t = await transcriber.transcribe(wav, { timeoutMs: settings.timeoutMs, signal: controller.signal });
        } catch (e) {
          throw new JobFailed(transcriber.engine, describeError(e));
        }
        return checked(t, transcriber.engine);
      };
      work().then(
        (t) => {
          d.clock.cancel(timer);
          resolve(t);
        },
        (e: unknown) => {
          d.clock.cancel(timer);
          reject(e);
        },
      );
    });
  };
  const add = (voicemailId: number): boolean => {
    if (stopped) return false;
    if (voicemailId < 0) {
      // A stand-in: the voicemail is held in memory until the store can write it, still pending; the next start transcribes it.
      d.log.warn({ voicemail: voicemailId }, 'transcription: a voicemail held in memory (the store is failing) is transcribed once it is written');
      return false;
    }
    if (known.has(voicemailId)) return false;
    known.add(voicemailId);
    queued.push(voicemailId);
    void runner.run();
    return true;
  };

  return {
    add: (voicemailId) => void add(voicemailId),
    resume() {
      if (stopped) return 0;
      const added = d.store.awaitingTranscript().filter((v) => add(v.id)).length;
      if (added) d.log.info({ voicemails: added }, `transcription: ${added} voicemail(s) still pending queued again`);
      return added;
    },
    size: () => queued.length,
    async idle() {
      while (!stopped && queued.length > 0) await runner.run();
    },
    stop() {
      stopped = true;
      current?.abort();
    },
  };

  /** The emails of a transcript: to the mailbox, and the urgent notice. */
  function mailsFor(plan: Plan, v: VoicemailRecord, t: Transcript, urgentWords: readonly string[]): NoticeMail[] {
    const facts = factsOf(plan, v);
    const mailbox = plan.mailboxes.get(v.mailbox);
    const mails: NoticeMail[] = [];
    if (facts && mailbox) mails.push({ recipients: mailbox.email, ...transcriptEmail(facts, { kind: 'done', text: t.text, engine: t.engine, confidence: t.confidence, urgentWords }) });
    const pager = plan.transcription.onUrgent.email;
    if (urgentWords.length > 0 && pager.length > 0) mails.push({ recipients: pager, ...urgentNotice({ id: v.id, clinic: plan.clinic.name, mailboxName: mailbox?.name ?? v.mailbox }) });
    return mails;
  }
}

/** An engine's answer as the store takes it: text a string, confidence within 0..1, CPU time a number; anything else is the engine's failure. */
function checked(t: Transcript, engine: string): Transcript {
  if (typeof t?.text !== 'string') throw new JobFailed(engine, 'the engine returned no text');
  // Whisper gives none (null); anything else that is not a number in 0..1 is clamped or taken as 0.
  const confidence = t.confidence === null ? null : Number.isFinite(t.confidence) ? Math.min(1, Math.max(0, t.confidence)) : 0;
  const cpuMs = Number.isFinite(t.cpuMs) && t.cpuMs >= 0 ? t.cpuMs : 0;
  return { text: t.text, confidence, engine: t.engine ?? engine, cpuMs };
}

/** What the transcript email says of the message; null when its mailbox left the config. */
function factsOf(plan: Plan, v: VoicemailRecord): TranscriptFacts | null {
  const mailbox = plan.mailboxes.get(v.mailbox);
  if (!mailbox) return null;
  const zone = (v.site ? plan.sites.get(v.site)?.timezone : undefined) ?? 'UTC';
  return { id: v.id, clinic: plan.clinic.name, mailboxName: mailbox.name, timezone: zone, at: v.createdAt, duration: v.duration, patientData: mailbox.attachAudio };
}
