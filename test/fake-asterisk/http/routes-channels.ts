/**
 * /channels: list, get, originate (with and without id), create, hangup, dial, continue.
 * Validation order and texts follow resource_channels.c of Asterisk 22.10.1.
 *
 * Quirk kept on purpose (12): Asterisk reports allocation failures from a per-thread channel
 * errno that nothing clears, and one HTTP connection keeps one thread. After a duplicate-id 409
 * on a keep-alive connection, every later allocation failure on it (unknown endpoint,
 * unregistered phone) also answers 409 "Channel with given unique ID already exists".
 */
import { splitEndpoint } from '../model/alloc.js';
import { HANGUP_REASONS } from '../model/causes.js';
import { answerChannel } from '../model/callers.js';
import { hangupChannel } from '../model/hangup.js';
import { createChannel, dialCreated, originate, type OriginateResult } from '../model/originate.js';
import { leaveStasis, runApp } from '../model/stasis.js';
import { allocFailed, findControl, isResult, stateInvalid, type FakeEnv, bodyVariables, error, int, noContent, nonEmpty, ok, param, type RestRequest, type RestResult } from './rest.js';
import type { Route } from './router.js';

const MAX_UNIQUEID = 150;

/** The /channels routes (answer, play, record... are in routes-channel-media). */
export function channelRoutes(env: FakeEnv): Route[] {
  return [
    { path: '/channels', handlers: { GET: () => ok(env.pbx.visibleChannels().map((c) => c.snapshot())), POST: (r) => doOriginate(env, r, param(r, 'channelId')) } },
    { path: '/channels/create', handlers: { POST: (r) => doCreate(env, r) } },
    {
      path: '/channels/{channelId}',
      handlers: {
        GET: (r) => {
          const ch = env.pbx.channel(r.pathVars.channelId ?? '');
          return ch && ch.origin !== 'internal' ? ok(ch.snapshot()) : error(404, 'Not Found', 'Channel not found');
        },
        POST: (r) => doOriginate(env, r, r.pathVars.channelId),
        DELETE: (r) => doHangup(env, r),
      },
    },
    { path: '/channels/{channelId}/dial', handlers: { POST: (r) => doDial(env, r) } },
    { path: '/channels/{channelId}/continue', handlers: { POST: (r) => doContinue(env, r) } },
  ];
}

function allocation(r: RestRequest, res: OriginateResult): RestResult {
  if (res.ok) return ok(res.body);
  if (res.error === 'duplicate') r.conn.staleIdError = true;
  if (res.error === 'duplicate' || r.conn.staleIdError) return error(409, 'Conflict', 'Channel with given unique ID already exists');
  return allocFailed();
}

function doOriginate(env: FakeEnv, r: RestRequest, channelId: string | undefined): RestResult {
  const vars = bodyVariables(r);
  if (!vars.ok) return vars.result;
  const otherChannelId = param(r, 'otherChannelId');
  if ((channelId?.length ?? 0) > MAX_UNIQUEID || (otherChannelId?.length ?? 0) > MAX_UNIQUEID) return error(400, 'Bad Request', `Uniqueid length exceeds maximum of ${MAX_UNIQUEID}`);
  const endpoint = nonEmpty(r, 'endpoint');
  if (!endpoint) return error(400, 'Bad Request', 'Endpoint must be specified');
  if (nonEmpty(r, 'originator') && nonEmpty(r, 'formats')) return error(400, 'Bad Request', "Originator and formats can't both be specified");
  if (!splitEndpoint(endpoint)) return error(400, 'Bad Request', 'Invalid endpoint specified');
  const app = nonEmpty(r, 'app');
  const extension = nonEmpty(r, 'extension');
  if (!app && !extension) return error(400, 'Bad Request', 'Application or extension must be specified');
  const originator = nonEmpty(r, 'originator');
  if (originator && !env.pbx.channel(originator)) return error(400, 'Bad Request', 'Provided originator channel was not found');
  const timeout = int(r, 'timeout', 30);
  const res = originate(env.pbx, env.dial, {
    endpoint,
    app,
    appArgs: nonEmpty(r, 'appArgs'),
    context: app ? undefined : (nonEmpty(r, 'context') ?? 'default'),
    extension: app ? undefined : extension,
    priority: app ? undefined : int(r, 'priority', 1) || 1,
    callerId: nonEmpty(r, 'callerId'),
    timeoutMs: timeout > 0 ? timeout * 1000 : timeout === -1 ? null : 30_000,
    variables: vars.vars,
    channelId: channelId || undefined,
    otherChannelId: otherChannelId || undefined,
  });
  return allocation(r, res);
}

function doCreate(env: FakeEnv, r: RestRequest): RestResult {
  const vars = bodyVariables(r);
  if (!vars.ok) return vars.result;
  if (nonEmpty(r, 'originator') && nonEmpty(r, 'formats')) return error(400, 'Bad Request', "Originator and formats can't both be specified");
  const endpoint = nonEmpty(r, 'endpoint');
  if (!endpoint) return error(400, 'Bad Request', 'Endpoint must be specified');
  if (!splitEndpoint(endpoint)) return error(400, 'Bad Request', 'Invalid endpoint specified');
  const res = createChannel(env.pbx, env.dial, endpoint, nonEmpty(r, 'app'), nonEmpty(r, 'appArgs'), { channelId: nonEmpty(r, 'channelId'), otherChannelId: nonEmpty(r, 'otherChannelId') }, vars.vars);
  return allocation(r, res);
}

function doHangup(env: FakeEnv, r: RestRequest): RestResult {
  const ch = env.pbx.channel(r.pathVars.channelId ?? '');
  if (!ch || ch.origin === 'internal') return error(404, 'Not Found', 'Channel not found');
  const reason = nonEmpty(r, 'reason');
  const code = nonEmpty(r, 'reason_code');
  if (reason && code) return error(400, 'Bad Request', "The reason and reason_code can't both be specified");
  let cause = 16;
  if (code) {
    const n = parseInt(code.trim(), 10);
    if (Number.isNaN(n)) return error(400, 'Invalid Reason Code', 'Invalid reason for hangup reason code provided');
    cause = n;
  } else if (reason) {
    const c = HANGUP_REASONS[reason];
    if (c === undefined) return error(400, 'Invalid Reason', 'Invalid reason for hangup reason provided');
    cause = c;
  }
  if (!ch.wedged) hangupChannel(env.pbx, ch, 'ari', cause);
  return noContent();
}

function doDial(env: FakeEnv, r: RestRequest): RestResult {
  const ch = findControl(env, r.pathVars.channelId ?? '');
  if (isResult(ch)) return ch;
  if (ch.state !== 'Down' && ch.state !== 'Rsrvd') return error(409, 'Conflict', "Channel is not in the 'Down' state");
  if (ch.ariDialstring === null) return error(409, 'Conflict', 'Dialing a channel not created by ARI');
  dialCreated(env.pbx, env.dial, ch, int(r, 'timeout', 0));
  return noContent();
}

function doContinue(env: FakeEnv, r: RestRequest): RestResult {
  const ch = findControl(env, r.pathVars.channelId ?? '');
  if (isResult(ch)) return ch;
  const invalid = stateInvalid(ch);
  if (invalid) return invalid;
  const ctxArg = nonEmpty(r, 'context');
  const extArg = nonEmpty(r, 'extension');
  const context = ctxArg ?? ch.dialplan.context;
  const exten = ctxArg ? (extArg ?? 's') : (extArg ?? ch.dialplan.exten);
  const label = nonEmpty(r, 'label');
  let priority = int(r, 'priority', 0);
  if (label) {
    const n = parseInt(label, 10);
    if (Number.isNaN(n)) return error(404, 'Not Found', 'Requested label can not be found');
    if (n === 0) return error(400, 'Bad Request', 'Requested priority is illegal');
    priority = n;
  } else if (!priority) priority = !ctxArg && !extArg ? ch.dialplan.priority + 1 : 1;
  if (ch.wedged) return noContent();
  leaveStasis(env.pbx, ch);
  ch.runsDialplan = true;
  ch.at(context, exten, priority, '', '');
  if (context === 'router-failsafe') {
    // The lab's failsafe: answer, vm-nobodyavail, then VoiceMail(100@default) until the caller hangs up.
    answerChannel(env.pbx, ch);
    runApp(env.pbx, ch, 7, 'Playback', 'vm-nobodyavail');
    ch.track(env.pbx.clock.after(2786, () => ch.alive && runApp(env.pbx, ch, 8, 'VoiceMail', '100@default')));
  }
  return noContent();
}
