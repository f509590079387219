/**
 * Playbacks, following res_stasis_playback.c:
 * - The 201 shows `queued`; PlaybackStarted (`playing`) when the control queue reaches it.
 * - `sound:` plays for the sound's duration, then PlaybackFinished `done`; a missing file fails
 *   at once (Finished `failed` 1 ms later). In a list, each item but the last ends with
 *   PlaybackContinuing and the next PlaybackStarted (`next_media_uri` while items remain).
 * - An unsupported scheme (`foo:bar`), an unknown `recording:` or a bad `number:` publishes
 *   PlaybackStarted and then nothing: the item is skipped silently, so the playback vanishes
 *   (GET gives 404) with no PlaybackFinished ever (03).
 * - DELETE while playing: PlaybackFinished `done`; while queued: it is cancelled and reports
 *   PlaybackFinished `done` when its turn comes. Only sound/recording/tone can be stopped.
 * - A hangup during playback: PlaybackFinished `failed` (02, 18).
 */
import { randomUUID } from 'node:crypto';
import type { FakeChannel } from './channel.js';
import type { FakeTimer } from './clock.js';
import type { ControlQueues } from './control-queue.js';
import { playbackEvent } from './events.js';
import type { ChannelHooks, FakePbx } from './pbx.js';
import type { SoundLibrary } from './sounds.js';
import type { JsonObject } from './types.js';

type PlaybackState = 'queued' | 'playing' | 'continuing' | 'done' | 'failed' | 'stopped' | 'canceled';

/** A playback as the fake tracks it. */
export interface FakePlayback {
  readonly id: string;
  readonly medias: readonly string[];
  readonly targetUri: string;
  readonly language: string;
  index: number;
  state: PlaybackState;
  controllable: boolean;
  timer: FakeTimer | null;
  finish: ((res: number) => void) | null;
}

/** Every playback, queued on its channel or bridge. */
export class FakePlaybacks implements ChannelHooks {
  private readonly byId = new Map<string, FakePlayback>();
  private readonly active = new Map<string, FakePlayback>();

  constructor(
    private readonly pbx: FakePbx,
    private readonly sounds: SoundLibrary,
    private readonly queues: ControlQueues,
    private readonly recordingMs: (name: string) => number | undefined,
  ) {}

  /** Queues a playback; returns its JSON for the 201. */
  play(targetUri: string, medias: readonly string[], id: string | undefined, language: string): JsonObject {
    const pb: FakePlayback = { id: id || randomUUID(), medias, targetUri, language, index: 0, state: 'queued', controllable: false, timer: null, finish: null };
    this.byId.set(pb.id, pb);
    // The 201 shows the playback as queued: the snapshot is taken before the control thread starts it.
    const answer = json(pb);
    this.queues.enqueue(targetUri, {
      start: (done) => this.run(pb, done),
      drop: () => this.byId.delete(pb.id),
    });
    return answer;
  }

  /** A playback that is queued or playing. */
  get(id: string): FakePlayback | undefined {
    return this.byId.get(id);
  }

  /** All current playbacks (for inspection). */
  list(): FakePlayback[] {
    return [...this.byId.values()];
  }

  /** JSON of a playback (GET /playbacks/{id}). */
  toJson(pb: FakePlayback): JsonObject {
    return json(pb);
  }

  /** DELETE /playbacks/{id}: `failed` when the media cannot be stopped. */
  stop(pb: FakePlayback): 'ok' | 'failed' {
    if (pb.state === 'queued') pb.state = 'canceled';
    else if (pb.state === 'playing' || pb.state === 'continuing') {
      if (!pb.controllable) return 'failed';
      pb.state = 'stopped';
      pb.timer?.cancel();
      pb.finish?.(-1);
    }
    return 'ok';
  }

  /** On hangup in Stasis, the playing item ends with `failed`; queued ones are dropped. */
  onStasisHangup(ch: FakeChannel): void {
    const target = `channel:${ch.id}`;
    this.queues.clear(target);
    const pb = this.active.get(target);
    if (pb && pb.finish) {
      pb.timer?.cancel();
      pb.finish(-2);
    }
  }

  /** Nothing left to do once destroyed (the hangup already ended everything). */
  onDestroyed(ch: FakeChannel): void {
    this.queues.clear(`channel:${ch.id}`);
  }

  /** A bridge went away: its announcer playbacks end as on a hangup. */
  bridgeGone(bridgeId: string): void {
    const target = `bridge:${bridgeId}`;
    this.queues.clear(target);
    const pb = this.active.get(target);
    if (pb?.finish) {
      pb.timer?.cancel();
      pb.finish(-2);
    }
  }

  private run(pb: FakePlayback, done: () => void): void {
    this.active.set(pb.targetUri, pb);
    const end = () => {
      this.active.delete(pb.targetUri);
      this.byId.delete(pb.id);
      done();
    };
    if (pb.state === 'canceled') {
      // playback_first_update publishes the cancelled state, which reads "done".
      pb.state = 'done';
      this.publish(pb);
      return end();
    }
    this.step(pb, end);
  }

  private step(pb: FakePlayback, end: () => void): void {
    const media = pb.medias[pb.index] ?? '';
    pb.state = 'playing';
    this.publish(pb);
    const ms = this.durationOf(media, pb.language);
    pb.controllable = /^(sound|recording|tone):/.test(media);
    if (ms === 'skip') return this.afterItem(pb, end, null);
    if (ms === 'forever') {
      pb.finish = (res) => this.afterItem(pb, end, res);
      return;
    }
    pb.finish = (res) => this.afterItem(pb, end, res);
    pb.timer = this.pbx.clock.after(ms === 'missing' ? 1 : ms, () => pb.finish?.(ms === 'missing' ? -1 : 0));
  }

  /** playback_final_update (res null: the item was skipped without a final update). */
  private afterItem(pb: FakePlayback, end: () => void, res: number | null): void {
    pb.finish = null;
    pb.timer = null;
    const last = pb.index >= pb.medias.length - 1;
    const hangup = res === -2;
    if (res !== null) {
      if (pb.state === 'stopped') pb.state = 'done';
      else if (res === 0) pb.state = last || hangup ? 'done' : 'continuing';
      else pb.state = last || hangup ? 'failed' : 'continuing';
      this.publish(pb);
    }
    if (last || hangup || pb.state === 'done' || pb.state === 'failed') return end();
    pb.index++;
    this.step(pb, end);
  }

  private durationOf(media: string, language = 'en'): number | 'missing' | 'skip' | 'forever' {
    const [scheme, rest = ''] = [media.slice(0, media.indexOf(':')), media.slice(media.indexOf(':') + 1)];
    if (scheme === 'sound') return this.sounds.duration(rest, language) ?? 'missing';
    if (scheme === 'recording') return this.recordingMs(rest) ?? 'skip';
    if (scheme === 'number') return /^-?\d+$/.test(rest) ? 600 * Math.max(1, rest.replace('-', '').length) : 'skip';
    if (scheme === 'digits' || scheme === 'characters') return 550 * Math.max(1, rest.length);
    if (scheme === 'tone') return 'forever';
    return 'skip';
  }

  private publish(pb: FakePlayback): void {
    const type = pb.state === 'playing' ? 'PlaybackStarted' : pb.state === 'continuing' ? 'PlaybackContinuing' : 'PlaybackFinished';
    this.pbx.emit(playbackEvent(type, this.pbx.ts(), json(pb)));
  }
}

/** stasis_app_playback_to_json: `next_media_uri` only while items remain. */
function json(pb: FakePlayback): JsonObject {
  const out: JsonObject = { id: pb.id, media_uri: pb.medias[pb.index] ?? '' };
  if (pb.index < pb.medias.length - 1) out.next_media_uri = pb.medias[pb.index + 1] ?? '';
  const state = pb.state === 'stopped' || pb.state === 'canceled' ? 'done' : pb.state;
  Object.assign(out, { target_uri: pb.targetUri, language: pb.language, state });
  return out;
}
