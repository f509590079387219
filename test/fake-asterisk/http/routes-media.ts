/**
 * /playbacks, /recordings and /sounds. A finished playback or recording is gone: GET, DELETE
 * and stop answer 404 "Playback not found" / "Recording not found". The file of a stored
 * recording is sent as `Content-Type: audio/<format>` (capital T, unlike the JSON answers).
 */
import { error, type FakeEnv, noContent, nonEmpty, ok, type RestRequest, type RestResult } from './rest.js';
import type { Route } from './router.js';

/** The media routes. */
export function mediaRoutes(env: FakeEnv): Route[] {
  const pb = (r: RestRequest) => env.playbacks.get(r.pathVars.playbackId ?? '');
  const stored = (r: RestRequest) => env.recordings.stored.get(r.pathVars.recordingName ?? '');
  const notFound = (): RestResult => error(404, 'Not Found', 'Recording not found');
  const live = (op: 'stop' | 'cancel') => (r: RestRequest): RestResult => {
    const res = env.recordings.control(r.pathVars.recordingName ?? '', op);
    if (res === 'not-found') return notFound();
    if (res === 'not-recording') return error(409, 'Conflict', 'Recording not in session');
    return noContent();
  };
  return [
    {
      path: '/playbacks/{playbackId}',
      handlers: {
        GET: (r) => {
          const p = pb(r);
          return p ? ok(env.playbacks.toJson(p)) : error(404, 'Not Found', 'Playback not found');
        },
        DELETE: (r) => {
          const p = pb(r);
          if (!p) return error(404, 'Not Found', 'Playback not found');
          return env.playbacks.stop(p) === 'ok' ? noContent() : error(500, 'Internal Server Error', 'Could not stop playback');
        },
      },
    },
    {
      path: '/recordings/stored',
      handlers: { GET: () => ok([...env.recordings.stored.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((s) => ({ name: s.name, format: s.format }))) },
    },
    {
      path: '/recordings/stored/{recordingName}',
      handlers: {
        GET: (r) => {
          const s = stored(r);
          return s ? ok({ name: s.name, format: s.format }) : notFound();
        },
        DELETE: (r) => (env.recordings.stored.delete(r.pathVars.recordingName ?? '') ? noContent() : notFound()),
      },
    },
    {
      path: '/recordings/stored/{recordingName}/file',
      handlers: {
        GET: (r) => {
          const s = stored(r);
          return s ? { status: 200, reason: 'OK', raw: { contentType: `audio/${s.format}`, data: s.data } } : notFound();
        },
      },
    },
    {
      path: '/recordings/live/{recordingName}',
      handlers: {
        GET: (r) => {
          const l = env.recordings.getLive(r.pathVars.recordingName ?? '');
          return l ? ok(l) : notFound();
        },
        DELETE: live('cancel'),
      },
    },
    { path: '/recordings/live/{recordingName}/stop', handlers: { POST: live('stop') } },
    { path: '/sounds', handlers: { GET: (r) => ok(env.sounds.names(nonEmpty(r, 'lang')).map((id) => sound(env, id))) } },
    {
      path: '/sounds/{soundId}',
      handlers: { GET: (r) => (env.sounds.languages(r.pathVars.soundId ?? '').length > 0 ? ok(sound(env, r.pathVars.soundId ?? '')) : error(404, 'Not Found', 'Sound not found')) },
    },
  ];
}

/** ast_ari_sounds: one format per language it has a file in; a .wav file (8 kHz) is `slin` (seen on 22.10.1). */
function sound(env: FakeEnv, id: string): { id: string; formats: { language: string; format: string }[] } {
  return { id, formats: env.sounds.languages(id).map((language) => ({ language, format: 'slin' })) };
}
