import { randomUUID } from 'node:crypto';
/**
 * /channels/{id}: answer, ring, moh, play, record and variables (resource_channels.c order:
 * find_control -> 404/409, then channel_state_invalid -> 412, then the parameters).
 * `record` does not check the channel state: it answers the channel itself.
 */
import { answerChannel } from '../model/callers.js';
import type { FakeChannel } from '../model/channel.js';
import type { RecordOptions } from '../model/recordings.js';
import { setVar } from '../model/stasis.js';
import { bool, findControl, isResult, stateInvalid, type FakeEnv, created, error, int, list, noContent, nonEmpty, ok, param, type RestRequest, type RestResult } from './rest.js';
import type { Route } from './router.js';

/** File extensions ast_get_format_for_file_ext() knows on a stock Asterisk 22. */
const FORMATS = new Set(['wav', 'WAV', 'wav16', 'gsm', 'ulaw', 'ul', 'mu', 'pcm', 'alaw', 'al', 'sln', 'raw', 'sln16', 'g722', 'g729', 'ilbc', 'ogg', 'siren7', 'siren14', 'g726', 'vox', 'h263', 'h264']);

/** A Stasis channel in a state that accepts media/state operations, or the error. */
function control(env: FakeEnv, r: RestRequest, checkState = true): FakeChannel | RestResult {
  const ch = findControl(env, r.pathVars.channelId ?? '');
  if (isResult(ch)) return ch;
  return (checkState && stateInvalid(ch)) || ch;
}

/** The per-channel media routes. */
export function channelMediaRoutes(env: FakeEnv): Route[] {
  const simple = (fn: (ch: FakeChannel) => void) => (r: RestRequest): RestResult => {
    const ch = control(env, r);
    if (isResult(ch)) return ch;
    fn(ch);
    return noContent();
  };
  return [
    { path: '/channels/{channelId}/answer', handlers: { POST: simple((ch) => answerChannel(env.pbx, ch)) } },
    { path: '/channels/{channelId}/ring', handlers: { POST: simple(() => undefined), DELETE: simple(() => undefined) } },
    { path: '/channels/{channelId}/moh', handlers: { POST: simple((ch) => (ch.moh = true)), DELETE: simple((ch) => (ch.moh = false)) } },
    { path: '/channels/{channelId}/play', handlers: { POST: (r) => play(env, r, param(r, 'playbackId')) } },
    { path: '/channels/{channelId}/play/{playbackId}', handlers: { POST: (r) => play(env, r, r.pathVars.playbackId) } },
    { path: '/channels/{channelId}/record', handlers: { POST: (r) => record(env, r) } },
    { path: '/channels/{channelId}/variable', handlers: { GET: (r) => getVar(env, r), POST: (r) => setChannelVar(env, r) } },
  ];
}

/** How long a bridged channel's play waits for the bridge thread (Asterisk time); a DELETE of the bridge meanwhile loses it. */
const BRIDGE_THREAD_MS = 20;

function play(env: FakeEnv, r: RestRequest, playbackId: string | undefined): RestResult {
  const ch = control(env, r);
  if (isResult(ch)) return ch;
  if (int(r, 'skipms', 3000) < 0) return error(400, 'Bad Request', 'skipms cannot be negative');
  if (int(r, 'offsetms', 0) < 0) return error(400, 'Bad Request', 'offsetms cannot be negative');
  const media = list(r, 'media');
  if (media.length === 0 || media.some((m) => m === '')) return error(500, 'Internal Server Error', 'Failed to queue media for playback');
  if (ch.wedged) return created(`/playbacks/${playbackId || 'lost'}`, { id: playbackId || 'lost', media_uri: media[0]!, target_uri: `channel:${ch.id}`, language: ch.language, state: 'queued' });
  const lang = nonEmpty(r, 'lang') ?? ch.language;
  if (ch.bridgeId) {
    // In a bridge the bridge channel thread picks the play up a moment later (see destroyBridge).
    const id = playbackId || randomUUID();
    ch.bridgedPlays.push(id);
    env.pbx.clock.after(BRIDGE_THREAD_MS, () => {
      const i = ch.bridgedPlays.indexOf(id);
      if (i < 0) return;
      ch.bridgedPlays.splice(i, 1);
      env.playbacks.play(`channel:${ch.id}`, media, id, lang);
    });
    return created(`/playbacks/${id}`, { id, media_uri: media[0]!, target_uri: `channel:${ch.id}`, language: lang, state: 'queued' });
  }
  const json = env.playbacks.play(`channel:${ch.id}`, media, playbackId || undefined, lang);
  return created(`/playbacks/${String(json.id)}`, json);
}

function record(env: FakeEnv, r: RestRequest): RestResult {
  if (int(r, 'maxDurationSeconds', 0) < 0) return error(400, 'Bad Request', 'max_duration_seconds cannot be negative');
  if (int(r, 'maxSilenceSeconds', 0) < 0) return error(400, 'Bad Request', 'max_silence_seconds cannot be negative');
  const ch = control(env, r, false);
  if (isResult(ch)) return ch;
  const term = (param(r, 'terminateOn') ?? '').toLowerCase();
  const terminateOn = term === '' || term === 'none' ? '' : term === 'any' ? '#*0123456789abcd' : term === '#' || term === '*' ? term : null;
  if (terminateOn === null) return error(400, 'Bad Request', 'terminateOn invalid');
  const ifExists = (param(r, 'ifExists') ?? '') || 'fail';
  if (ifExists !== 'fail' && ifExists !== 'overwrite' && ifExists !== 'append') return error(400, 'Bad Request', 'ifExists invalid');
  const format = param(r, 'format') ?? '';
  if (!FORMATS.has(format)) return error(422, 'Unprocessable Entity', 'specified format is unknown on this system');
  const name = param(r, 'name') ?? '';
  if (!name) return error(500, 'Internal Server Error', 'Error parsing request');
  const opts: RecordOptions = { name, format, maxDurationSeconds: int(r, 'maxDurationSeconds', 0), maxSilenceSeconds: int(r, 'maxSilenceSeconds', 0), ifExists, beep: bool(r, 'beep', false), terminateOn };
  const json = env.recordings.record(ch, opts);
  if (json === 'exists') return error(409, 'Conflict', `Recording '${name}' already exists and can not be overwritten`);
  return created(`/recordings/live/${encodeURIComponent(name)}`, json);
}

function getVar(env: FakeEnv, r: RestRequest): RestResult {
  const name = nonEmpty(r, 'variable');
  if (!name) return error(400, 'Bad Request', 'Variable name is required');
  const ch = env.pbx.channel(r.pathVars.channelId ?? '');
  if (!ch || ch.origin === 'internal') return error(404, 'Channel Not Found', 'Provided channel was not found');
  if (name.endsWith(')')) {
    const value = readFunction(ch, name);
    return value === undefined ? error(500, 'Error With Function', 'Unable to read provided function') : ok({ value });
  }
  const value = ch.vars.get(name);
  return value === undefined ? error(404, 'Variable Not Found', 'Provided variable was not found') : ok({ value });
}

function readFunction(ch: FakeChannel, fn: string): string | undefined {
  const m = /^(\w+)\((.*)\)$/.exec(fn);
  if (!m) return undefined;
  const [, name, arg] = m;
  if (name === 'CALLERID') return arg === 'name' ? ch.caller.name : arg === 'num' ? ch.caller.number : arg === 'all' ? `"${ch.caller.name}" <${ch.caller.number}>` : undefined;
  if (name === 'CONNECTEDLINE') return arg === 'name' ? ch.connected.name : arg === 'num' ? ch.connected.number : undefined;
  if (name === 'CHANNEL') return arg === 'name' ? ch.name : arg === 'uniqueid' ? ch.id : arg === 'state' ? ch.state : arg === 'language' ? ch.language : undefined;
  return undefined;
}

function setChannelVar(env: FakeEnv, r: RestRequest): RestResult {
  const name = nonEmpty(r, 'variable');
  if (!name) return error(400, 'Bad Request', 'Variable name is required');
  const ch = findControl(env, r.pathVars.channelId ?? '');
  if (isResult(ch)) return ch;
  setVar(env.pbx, ch, name, param(r, 'value') ?? '');
  return noContent();
}
