/**
 * Live and stored recordings, following res_stasis_recording.c and ast_play_and_record (app.c):
 * - 201 `queued`, RecordingStarted (`recording`) when the control queue reaches it; the channel
 *   is answered first if it was not. Recording in a bridge fails (RecordingFailed with `cause`).
 * - `duration` is whole seconds of audio written; with maxSilenceSeconds > 0 silence detection
 *   runs, the recording stops when the silence exceeds it, trailing silence is trimmed to 200 ms,
 *   `duration` drops by the trailing silence and `talking_duration` by all silence (integer
 *   seconds after subtracting 200 ms), `silence_duration` = duration - talking. Without
 *   maxSilenceSeconds there are no talking/silence fields (12: stop gave `duration:0` only).
 * - After it ends the live recording is gone (404); the file is a stored recording.
 */
import type { FakeChannel } from './channel.js';
import type { FakeTimer } from './clock.js';
import type { ControlQueues } from './control-queue.js';
import { recordingEvent } from './events.js';
import type { ChannelHooks, FakePbx } from './pbx.js';
import { SAMPLE_RATE, pcmOf, synthesize, toWav, type SpeechSpan } from './wav.js';
import type { JsonObject } from './types.js';

/** Options of POST /channels/{id}/record, already validated. */
export interface RecordOptions {
  readonly name: string;
  readonly format: string;
  readonly maxDurationSeconds: number;
  readonly maxSilenceSeconds: number;
  readonly ifExists: 'fail' | 'overwrite' | 'append';
  readonly beep: boolean;
  /** Digits that end the recording ('' = none). */
  readonly terminateOn: string;
}

interface LiveRecording {
  readonly opts: RecordOptions;
  readonly channelId: string;
  readonly targetUri: string;
  state: 'queued' | 'recording' | 'done' | 'failed' | 'canceled';
  startedAt: number;
  total: number;
  energyOnly: number;
  cause: string | null;
  timer: FakeTimer | null;
  finish: ((why: 'silence' | 'dtmf' | 'max' | 'stop' | 'hangup' | 'cancel') => void) | null;
}

/** A stored recording (its file). */
export interface StoredRecording {
  readonly name: string;
  readonly format: string;
  readonly data: Buffer;
}

/** Live recordings and the stored recording files. */
export class FakeRecordings implements ChannelHooks {
  private readonly live = new Map<string, LiveRecording>();
  readonly stored = new Map<string, StoredRecording>();

  constructor(
    private readonly pbx: FakePbx,
    private readonly queues: ControlQueues,
    private readonly answer: (ch: FakeChannel) => void,
  ) {}

  /** Starts a recording; `exists` when the name is in use (409). */
  record(ch: FakeChannel, opts: RecordOptions): JsonObject | 'exists' {
    if (this.live.has(opts.name) || (opts.ifExists === 'fail' && this.stored.has(opts.name))) return 'exists';
    const rec: LiveRecording = { opts, channelId: ch.id, targetUri: `channel:${ch.id}`, state: 'queued', startedAt: 0, total: -1, energyOnly: -1, cause: null, timer: null, finish: null };
    this.live.set(opts.name, rec);
    const answer = json(rec); // `queued`: taken before the control thread starts recording
    this.queues.enqueue(rec.targetUri, { start: (done) => this.run(rec, done), drop: () => this.live.delete(opts.name) });
    return answer;
  }

  /** A live recording by name. */
  getLive(name: string): JsonObject | undefined {
    const rec = this.live.get(name);
    return rec ? json(rec) : undefined;
  }

  /** POST .../stop (`stop`) or DELETE (`cancel`); `not-recording` gives 409. */
  control(name: string, op: 'stop' | 'cancel'): 'ok' | 'not-found' | 'not-recording' {
    const rec = this.live.get(name);
    if (!rec) return 'not-found';
    if (rec.state === 'queued') {
      rec.state = 'canceled';
      return 'ok';
    }
    if (rec.state !== 'recording') return 'not-recording';
    rec.finish?.(op);
    return 'ok';
  }

  /** True while the channel is recording (addChannel refuses it with 409). */
  isRecording(channelId: string): boolean {
    return [...this.live.values()].some((r) => r.channelId === channelId && r.state === 'recording');
  }

  /** DTMF on the channel: ends a recording whose terminateOn matches. */
  onDtmf(ch: FakeChannel, digit: string): void {
    for (const rec of this.live.values()) {
      if (rec.channelId === ch.id && rec.state === 'recording' && rec.opts.terminateOn.includes(digit)) rec.finish?.('dtmf');
    }
  }

  /** A hangup ends the recording normally (the file is kept). */
  onStasisHangup(ch: FakeChannel): void {
    for (const rec of this.live.values()) if (rec.channelId === ch.id && rec.state === 'recording') rec.finish?.('hangup');
  }

  /** Nothing more to do on destruction. */
  onDestroyed(): void {}

  /** Duration in ms of a stored recording (for `recording:` playback). */
  durationMs(name: string): number | undefined {
    const s = this.stored.get(name);
    return s ? Math.round(((s.data.length - 44) / 2 / SAMPLE_RATE) * 1000) : undefined;
  }

  private run(rec: LiveRecording, done: () => void): void {
    const ch = this.pbx.channel(rec.channelId);
    if (!ch || !ch.alive || rec.state === 'canceled') {
      this.live.delete(rec.opts.name);
      return done();
    }
    if (ch.bridgeId) {
      rec.state = 'failed';
      rec.cause = 'Cannot record channel while in bridge';
      this.publish(rec);
      this.live.delete(rec.opts.name);
      return done();
    }
    if (ch.state !== 'Up') this.answer(ch);
    rec.state = 'recording';
    this.publish(rec);
    rec.startedAt = this.pbx.clock.now() + (rec.opts.beep ? 424 : 0);
    rec.finish = (why) => this.finish(rec, ch, why, done);
    const stopAt = this.autoStop(rec, ch);
    if (stopAt) rec.timer = this.pbx.clock.after(stopAt.at - this.pbx.clock.now(), () => rec.finish?.(stopAt.why));
  }

  /** When silence detection or the maximum duration stops the recording. */
  private autoStop(rec: LiveRecording, ch: FakeChannel): { at: number; why: 'silence' | 'max' } | null {
    const max = rec.opts.maxDurationSeconds > 0 ? rec.startedAt + rec.opts.maxDurationSeconds * 1000 : Infinity;
    let silenceEnd = Infinity;
    if (rec.opts.maxSilenceSeconds > 0) {
      // dspsilence grows by 20 ms frames and must exceed maxSilence.
      const limit = rec.opts.maxSilenceSeconds * 1000 + 20;
      let quietFrom = rec.startedAt;
      for (const s of [...ch.speech].sort((a, b) => a.start - b.start)) {
        if (s.end <= quietFrom) continue;
        if (s.start - quietFrom >= limit) break;
        quietFrom = Math.max(quietFrom, s.end);
      }
      silenceEnd = quietFrom + limit;
    }
    if (max === Infinity && silenceEnd === Infinity) return null;
    return silenceEnd <= max ? { at: silenceEnd, why: 'silence' } : { at: max, why: 'max' };
  }

  private finish(rec: LiveRecording, ch: FakeChannel, why: string, done: () => void): void {
    rec.timer?.cancel();
    rec.finish = null;
    const now = this.pbx.clock.now();
    const elapsed = Math.max(0, now - rec.startedAt);
    const samples = Math.floor((elapsed * SAMPLE_RATE) / 1000);
    const speech: SpeechSpan[] = ch.speech.map((s) => ({ start: s.start - rec.startedAt, end: Math.min(s.end, now) - rec.startedAt, ...(s.pcm ? { pcm: s.pcm } : {}) })).filter((s) => s.end > 0);
    rec.total = Math.floor(samples / SAMPLE_RATE);
    let keep = samples;
    if (rec.opts.maxSilenceSeconds > 0) {
      const talk = speech.reduce((sum, s) => sum + Math.max(0, Math.min(s.end, elapsed) - Math.max(0, s.start)), 0);
      const lastTalkEnd = speech.reduce((m, s) => Math.max(m, Math.min(s.end, elapsed)), 0);
      const trailing = Math.max(0, elapsed - lastTalkEnd);
      const totalSilence = Math.max(0, elapsed - talk);
      rec.energyOnly = Math.max(0, rec.total - (totalSilence > 0 ? Math.trunc((totalSilence - 200) / 1000) : 0));
      if (trailing > 0) rec.total = Math.max(0, rec.total - Math.trunc((trailing - 200) / 1000));
      if ((why === 'silence' || why === 'dtmf') && trailing > 200) keep = samples - Math.floor(((trailing - 200) * SAMPLE_RATE) / 1000);
    }
    rec.state = 'done';
    const pcm = synthesize(keep, speech);
    const previous = this.stored.get(rec.opts.name);
    if (why === 'cancel') this.stored.delete(rec.opts.name);
    else if (rec.opts.ifExists === 'append' && previous) this.store(rec, Buffer.concat([previous.data, toWav(pcm).subarray(44)]));
    else this.store(rec, toWav(pcm));
    this.publish(rec);
    this.live.delete(rec.opts.name);
    done();
  }

  private store(rec: LiveRecording, wav: Buffer): void {
    const fixed = toWav(pcmOf(wav));
    this.stored.set(rec.opts.name, { name: rec.opts.name, format: rec.opts.format, data: fixed });
  }

  private publish(rec: LiveRecording): void {
    const type = rec.state === 'recording' ? 'RecordingStarted' : rec.state === 'failed' ? 'RecordingFailed' : 'RecordingFinished';
    this.pbx.emit(recordingEvent(type, this.pbx.ts(), json(rec)));
  }
}

/** stasis_app_recording_to_json, with `cause` appended on failure. */
function json(rec: LiveRecording): JsonObject {
  const out: JsonObject = { name: rec.opts.name, format: rec.opts.format, state: rec.state, target_uri: rec.targetUri };
  if (rec.total > -1) out.duration = rec.total;
  if (rec.energyOnly > -1) {
    out.talking_duration = rec.energyOnly;
    out.silence_duration = rec.total - rec.energyOnly;
  }
  if (rec.cause) out.cause = rec.cause;
  return out;
}
