/**
 * /bridges (resource_bridges.c): note the mixed texts Asterisk uses: addChannel with an
 * unknown channel is 400 "Channel not found" (not 404), a channel outside Stasis 422, an unknown
 * bridge 404 "Bridge not found" (reason phrase "Not found"); a bad `type` is a 500 that blames a
 * duplicate id ("Possible duplicate bridge id '(null)'").
 */
import { randomUUID } from 'node:crypto';
import { FakeBridge, parseBridgeType } from '../model/bridge.js';
import { addToBridge, destroyBridge, leaveBridge, startBridgeMoh, stopBridgeMoh } from '../model/bridging.js';
import type { FakeChannel } from '../model/channel.js';
import { allocFailed, type FakeEnv, created, error, int, list, noContent, nonEmpty, ok, param, type RestRequest, type RestResult } from './rest.js';
import type { Route } from './router.js';

/** The /bridges routes. */
export function bridgeRoutes(env: FakeEnv): Route[] {
  const find = (r: RestRequest): FakeBridge | RestResult => env.pbx.bridge(r.pathVars.bridgeId ?? '') ?? error(404, 'Not found', 'Bridge not found');
  const withBridge = (fn: (b: FakeBridge, r: RestRequest) => RestResult) => (r: RestRequest): RestResult => {
    const b = find(r);
    return b instanceof FakeBridge ? fn(b, r) : b;
  };
  return [
    { path: '/bridges', handlers: { GET: () => ok([...env.pbx.bridges.values()].map((b) => b.snapshot())), POST: (r) => create(env, r, param(r, 'bridgeId'), false) } },
    {
      path: '/bridges/{bridgeId}',
      handlers: {
        GET: (r) => {
          const b = env.pbx.bridge(r.pathVars.bridgeId ?? '');
          return b ? ok(b.snapshot()) : error(404, 'Not Found', 'Bridge not found');
        },
        POST: (r) => create(env, r, r.pathVars.bridgeId, true),
        DELETE: withBridge((b) => {
          env.playbacks.bridgeGone(b.id);
          destroyBridge(env.pbx, b);
          return noContent();
        }),
      },
    },
    { path: '/bridges/{bridgeId}/addChannel', handlers: { POST: withBridge((b, r) => addChannels(env, b, r)) } },
    { path: '/bridges/{bridgeId}/removeChannel', handlers: { POST: withBridge((b, r) => removeChannels(env, b, r)) } },
    {
      path: '/bridges/{bridgeId}/moh',
      handlers: {
        POST: withBridge((b) => {
          startBridgeMoh(env.pbx, b);
          return noContent();
        }),
        DELETE: withBridge((b) => (stopBridgeMoh(b) ? noContent() : error(409, 'Conflict', "Bridge isn't playing music"))),
      },
    },
    { path: '/bridges/{bridgeId}/play', handlers: { POST: withBridge((b, r) => play(env, b, r, param(r, 'playbackId'))) } },
    { path: '/bridges/{bridgeId}/play/{playbackId}', handlers: { POST: withBridge((b, r) => play(env, b, r, r.pathVars.playbackId)) } },
  ];
}

function create(env: FakeEnv, r: RestRequest, bridgeId: string | undefined, withId: boolean): RestResult {
  const id = bridgeId || undefined;
  if (id && (env.pbx.bridge(id) || (env.pbx.heldBridgeIds.get(id) ?? -1) > env.pbx.clock.now())) return error(409, 'Conflict', `Bridge with id '${id}' already exists`);
  const kind = parseBridgeType(nonEmpty(r, 'type'));
  if (!kind) return withId ? error(500, 'Internal Error', 'Unable to create bridge') : error(500, 'Internal Error', `Unable to create bridge. Possible duplicate bridge id '${id ?? '(null)'}'`);
  const bridge = new FakeBridge(id ?? randomUUID(), kind, param(r, 'name') ?? '', env.pbx.ts());
  env.pbx.bridges.set(bridge.id, bridge);
  return ok(bridge.snapshot());
}

/** control_list_create(): every channel must exist (400) and be in Stasis (422). */
function controls(env: FakeEnv, r: RestRequest): FakeChannel[] | RestResult {
  const ids = list(r, 'channel').filter((c) => c !== '');
  if (ids.length === 0) return error(400, 'Bad Request', 'Missing parameter channel');
  const out: FakeChannel[] = [];
  for (const id of ids) {
    const ch = env.pbx.channel(id);
    if (!ch || ch.origin === 'internal') return error(400, 'Bad Request', 'Channel not found');
    if (!ch.stasisApp) return error(422, 'Unprocessable Entity', 'Channel not in Stasis application');
    out.push(ch);
  }
  return out;
}

function addChannels(env: FakeEnv, bridge: FakeBridge, r: RestRequest): RestResult {
  const chans = controls(env, r);
  if (!Array.isArray(chans)) return chans;
  for (const ch of chans) {
    if (env.recordings.isRecording(ch.id)) return error(409, 'Conflict', `Channel ${ch.id} currently recording`);
    addToBridge(env.pbx, bridge, ch);
  }
  return noContent();
}

function removeChannels(env: FakeEnv, bridge: FakeBridge, r: RestRequest): RestResult {
  const chans = controls(env, r);
  if (!Array.isArray(chans)) return chans;
  if (chans.some((ch) => ch.bridgeId !== bridge.id)) return error(422, 'Unprocessable Entity', 'Channel not in this bridge');
  for (const ch of chans) leaveBridge(env.pbx, ch, 'removed');
  return noContent();
}

function play(env: FakeEnv, bridge: FakeBridge, r: RestRequest, playbackId: string | undefined): RestResult {
  if (int(r, 'skipms', 3000) < 0 || int(r, 'offsetms', 0) < 0) return allocFailed();
  const media = list(r, 'media');
  if (media.length === 0 || media.some((m) => m === '')) return allocFailed();
  if (!bridge.playbackAnnouncer) {
    // The first bridge playback creates an internal Announcer/ARI channel pair.
    env.pbx.nextUnrealSeq();
    env.pbx.nextUniqueId();
    bridge.playbackAnnouncer = env.pbx.nextUniqueId();
  }
  const json = env.playbacks.play(`bridge:${bridge.id}`, media, playbackId || undefined, nonEmpty(r, 'lang') ?? 'en');
  return created(`/playbacks/${String(json.id)}`, json);
}
