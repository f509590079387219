/**
 * Hangups and their event sequences, including the Local channel peer.
 *
 * Sequences reproduced (transcripts 01b, 02, 05, 06, 07, 08, 12, 18):
 * - The hung-up channel X: ChannelHangupRequest (fields by kind, see HangupKind), then if in
 *   Stasis: (Varset BRIDGEPEER "", ChannelLeftBridge), failed playback / finished recording,
 *   StasisEnd, Varset STASISSTATUS=SUCCESS.
 * - If X runs dialplan of its own and was not hung up by it, its dialplan unwinds with another
 *   `{cause:16,soft:true}` request.
 * - The Local peer P gets `{cause:<X's cause>}` (no `soft`), X is destroyed, then P leaves Stasis,
 *   unwinds and is destroyed. P keeps its own cause if it had one (Busy() sets 17), otherwise
 *   it inherits X's (DELETE reason=no_answer gave 19 on both halves).
 */
import type { FakeChannel } from './channel.js';
import { SOFTHANGUP_EXPLICIT } from './causes.js';
import { dialEvent, hangupRequest } from './events.js';
import { leaveBridge } from './bridging.js';
import type { FakePbx } from './pbx.js';
import { leaveStasis, setVar } from './stasis.js';

/**
 * How the hangup came: `ari` DELETE `{32,soft}`; `peer` the other Local half `{cause}`; `bye` a
 * SIP BYE (no cause, no soft); `dialplan` the channel's own Hangup() `{16,soft}`; `silent` the
 * dialer hung up the outgoing leg directly (originate timeout, busy): no request event at all.
 */
export type HangupKind = 'ari' | 'peer' | 'bye' | 'dialplan' | 'silent';

/** Hangs up a channel with its full event sequence (and its Local peer's). */
export function hangupChannel(pbx: FakePbx, x: FakeChannel, kind: HangupKind, cause: number): void {
  if (!x.alive) return;
  x.hangupRequested = true;
  if (kind === 'ari' || !x.hangupCause) x.hangupCause = cause;
  x.cancelTimers();
  if (x.tech === 'PJSIP' && (kind === 'ari' || kind === 'bye')) emitRtpQos(pbx, x);
  if (kind === 'ari') pbx.emit(hangupRequest(pbx.ts(), x, SOFTHANGUP_EXPLICIT, true));
  if (kind === 'bye') pbx.emit(hangupRequest(pbx.ts(), x));
  if (kind === 'dialplan') pbx.emit(hangupRequest(pbx.ts(), x, 16, true));
  if (kind === 'peer') pbx.emit(hangupRequest(pbx.ts(), x, cause));
  if (x.pendingDial) {
    // The dialer sees the leg go before an answer: Dial NOANSWER (12), unless it timed out (07).
    if (kind !== 'silent') pbx.emit(dialEvent(pbx.ts(), x, 'NOANSWER', x.pendingDial.dialstring));
    x.pendingDial = null;
  }
  exitStasis(pbx, x);
  if (x.runsDialplan && kind !== 'dialplan') pbx.emit(hangupRequest(pbx.ts(), x, 16, true));
  const peer = x.peer && x.peer.alive ? x.peer : null;
  if (peer) {
    peer.hangupRequested = true;
    peer.cancelTimers();
    if (!peer.hangupCause) peer.hangupCause = x.hangupCause;
    pbx.emit(hangupRequest(pbx.ts(), peer, x.hangupCause));
    if (peer.pendingDial) peer.pendingDial = null;
  }
  pbx.destroy(x);
  if (peer) {
    exitStasis(pbx, peer);
    if (peer.runsDialplan) pbx.emit(hangupRequest(pbx.ts(), peer, 16, true));
    pbx.destroy(peer);
  }
}

/** The Stasis part of a hangup: out of the bridge, media ended, StasisEnd. */
function exitStasis(pbx: FakePbx, ch: FakeChannel): void {
  if (!ch.stasisApp) return;
  if (ch.bridgeId) leaveBridge(pbx, ch, 'hangup');
  for (const h of pbx.hooks) h.onStasisHangup(ch);
  leaveStasis(pbx, ch);
}

/** chan_pjsip sets five RTCP statistics variables just before a PJSIP channel hangs up (17, 18). */
function emitRtpQos(pbx: FakePbx, ch: FakeChannel): void {
  const n = Math.max(1, Math.round((pbx.clock.now() - Date.parse(ch.creationtime.replace('+0000', 'Z'))) / 20));
  const z = '000.000000';
  setVar(pbx, ch, 'RTPAUDIOQOS', `ssrc=${ssrc(ch.id)};themssrc=${ssrc(ch.name)};lp=0;rxjitter=0.000000;rxcount=${n};txjitter=0.000000;txcount=${n};rlp=0;rtt=0.000000;rxmes=0.000000;txmes=0.000000`);
  setVar(pbx, ch, 'RTPAUDIOQOSJITTER', `minrxjitter=${z};maxrxjitter=${z};avgrxjitter=${z};stdevrxjitter=${z};mintxjitter=${z};maxtxjitter=${z};avgtxjitter=${z};stdevtxjitter=${z};`);
  setVar(pbx, ch, 'RTPAUDIOQOSLOSS', `  minrxlost=${z};  maxrxlost=${z};  avgrxlost=${z};  stdevrxlost=${z};  mintxlost=${z};  maxtxlost=${z};  avgtxlost=${z};  stdevtxlost=${z};`);
  setVar(pbx, ch, 'RTPAUDIOQOSRTT', `     minrtt=${z};     maxrtt=${z};     avgrtt=${z};     stdevrtt=${z};`);
  setVar(pbx, ch, 'RTPAUDIOQOSMES', `   minrxmes=${z};   maxrxmes=${z};   avgrxmes=${z};   stdevrxmes=${z};   mintxmes=${z};   maxtxmes=${z};   avgtxmes=${z};   stdevtxmes=${z};`);
}

function ssrc(seed: string): number {
  let h = 2166136261;
  for (const c of seed) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  return h % 2147483647;
}
