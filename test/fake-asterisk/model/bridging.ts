/**
 * Bridge membership, bridge subscriptions and bridge MOH.
 *
 * Asterisk facts (04, 05, 12, 13, 19 and res_stasis/control.c):
 * - POST /bridges subscribes nobody and sends no BridgeCreated. A Stasis channel entering a
 *   bridge subscribes its app twice (addChannel, then the Stasis loop): `(2)` in `ari show app`.
 * - Leaving while still in Stasis (removeChannel, or a move to another bridge) removes both
 *   references; leaving because of a hangup removes only one, so the app stays subscribed and
 *   gets BridgeDestroyed on DELETE. Hence BridgeDestroyed arrives only if an app channel hung up
 *   inside the bridge (04, 13, 05 mixing, 19b) and not after removeChannel or a move (05 holding,
 *   12, 19a).
 * - A mixing bridge sets BRIDGEPEER on both parties and updates their connected line (the joiner
 *   first); a leaving channel clears its own BRIDGEPEER just before ChannelLeftBridge.
 * - Re-adding a channel to its own bridge gives ChannelLeftBridge then ChannelEnteredBridge (12).
 */
import type { FakeBridge } from './bridge.js';
import type { FakeChannel } from './channel.js';
import { bridgeChannelEvent, bridgeDestroyed, callerIdEvent, channelOnly } from './events.js';
import type { FakePbx } from './pbx.js';
import { setVar } from './stasis.js';
import type { PartyId } from './types.js';

/** Why a channel leaves its bridge; decides how many subscription references go. */
export type LeaveReason = 'removed' | 'hangup' | 'bridge-destroyed';

/** Adds a Stasis channel to a bridge (moving it out of its current bridge first). */
export function addToBridge(pbx: FakePbx, bridge: FakeBridge, ch: FakeChannel): void {
  const current = ch.bridgeId ? pbx.bridge(ch.bridgeId) : undefined;
  if (current) leaveBridge(pbx, ch, 'removed');
  const app = ch.stasisApp;
  if (app) pbx.apps.subscribeBridge(app, bridge.id, 2);
  bridge.members.push(ch.id);
  ch.bridgeId = bridge.id;
  pbx.emit(bridgeChannelEvent('ChannelEnteredBridge', pbx.ts(), bridge, ch));
  if (bridge.kind === 'mixing' && bridge.members.length >= 2) joinMixing(pbx, bridge, ch);
}

function joinMixing(pbx: FakePbx, bridge: FakeBridge, joiner: FakeChannel): void {
  const members = bridge.members.map((id) => pbx.channel(id)).filter((c): c is FakeChannel => !!c);
  for (const m of members) {
    const peers = members.filter((o) => o !== m).map((o) => o.name).join(',');
    if (m.vars.get('BRIDGEPEER') !== peers) setVar(pbx, m, 'BRIDGEPEER', peers);
  }
  if (members.length !== 2) return;
  const other = members.find((m) => m !== joiner);
  if (!other) return;
  const joinerId = { ...joiner.caller };
  updateConnected(pbx, joiner, other.caller);
  updateConnected(pbx, other, joinerId);
}

/** Sets a channel's connected line; a Local half passes it on as its peer's caller id. */
export function updateConnected(pbx: FakePbx, ch: FakeChannel, party: PartyId): void {
  if (ch.connected.name === party.name && ch.connected.number === party.number) return;
  ch.connected = { ...party };
  pbx.emit(channelOnly('ChannelConnectedLine', pbx.ts(), ch));
  const peer = ch.peer;
  if (!peer || !peer.alive) return;
  // The other half picks the update up when it next services frames (about 0.6 s in 05).
  peer.track(
    pbx.clock.after(1, () => {
      if (!peer.alive) return;
      peer.caller = { ...party };
      pbx.emit(callerIdEvent(pbx.ts(), peer));
    }),
  );
}

/** Takes a channel out of its bridge. */
export function leaveBridge(pbx: FakePbx, ch: FakeChannel, reason: LeaveReason): void {
  const bridge = ch.bridgeId ? pbx.bridge(ch.bridgeId) : undefined;
  ch.bridgeId = null;
  if (!bridge) return;
  if (ch.vars.get('BRIDGEPEER')) setVar(pbx, ch, 'BRIDGEPEER', '');
  const i = bridge.members.indexOf(ch.id);
  if (i >= 0) bridge.members.splice(i, 1);
  pbx.emit(bridgeChannelEvent('ChannelLeftBridge', pbx.ts(), bridge, ch));
  // The MOH announcer is LONELY: it leaves as soon as no other channel is left.
  if (bridge.members.length === 0) bridge.visibleAnnouncer = null;
  const app = ch.stasisApp;
  if (app && reason === 'removed') pbx.apps.unsubscribeBridge(app, bridge.id, 2);
  if (app && reason === 'hangup') pbx.apps.unsubscribeBridge(app, bridge.id, 1);
}

/**
 * DELETE /bridges/{id}: members are kicked out (they stay in Stasis), then BridgeDestroyed. A
 * member with a play accepted and not yet started loses it and is wedged: on Asterisk 22.10.1 such
 * a play never started in 9 of 20 tries and 3 of those channels could not be hung up any more
 * (transcript 20; the fake takes the worst case).
 */
export function destroyBridge(pbx: FakePbx, bridge: FakeBridge): void {
  const kicked = bridge.members.map((id) => pbx.channel(id)).filter((c): c is FakeChannel => !!c);
  for (const ch of kicked) {
    if (ch.bridgedPlays.length === 0) continue;
    ch.bridgedPlays.length = 0;
    ch.wedged = true;
  }
  for (const ch of kicked) leaveBridge(pbx, ch, 'bridge-destroyed');
  bridge.destroyed = true;
  if (bridge.mohChannelId) pbx.heldBridgeIds.set(bridge.id, pbx.clock.now() + 30_000);
  bridge.mohChannelId = null;
  pbx.emit(bridgeDestroyed(pbx.ts(), bridge));
  pbx.bridges.delete(bridge.id);
  pbx.apps.dropBridge(bridge.id);
}

/** Starts bridge MOH: a hidden announcer joins (two uniqueids, one unreal sequence number). */
export function startBridgeMoh(pbx: FakePbx, bridge: FakeBridge): void {
  if (bridge.mohChannelId) return;
  pbx.nextUnrealSeq();
  pbx.nextUniqueId();
  const announcer = pbx.nextUniqueId();
  bridge.mohStarts++;
  bridge.mohChannelId = announcer;
  if (bridge.mohStarts > 1) bridge.visibleAnnouncer = announcer;
}

/** Stops bridge MOH (the announcer hangs up); false if no MOH was playing. */
export function stopBridgeMoh(bridge: FakeBridge): boolean {
  if (!bridge.mohChannelId) return false;
  if (bridge.visibleAnnouncer === bridge.mohChannelId) bridge.visibleAnnouncer = null;
  bridge.mohChannelId = null;
  return true;
}
