/**
 * Entering and leaving Stasis.
 *
 * Asterisk facts: `STASISSTATUS` is set to "" just before StasisStart and to SUCCESS after
 * StasisEnd; a dialplan channel is subscribed only while in Stasis, so its app sees neither
 * (only originated/created channels, whose subscription lasts until ChannelDestroyed, show
 * both). When the app is not registered, Stasis() fails with "Stasis app '<app>' doesn't
 * exist"; when registered but without a socket, "... not active"; both give STASISSTATUS=FAILED.
 */
import type { FakeChannel } from './channel.js';
import { channelOnly, dialplanEvent, stasisStart, varset } from './events.js';
import type { FakePbx } from './pbx.js';

/** Why Stasis() could not start, as Asterisk logs it. */
export type StasisFailure = 'does-not-exist' | 'not-active';

/** Sets a channel variable and emits ChannelVarset. */
export function setVar(pbx: FakePbx, ch: FakeChannel, name: string, value: string): void {
  ch.vars.set(name, value);
  pbx.emit(varset(pbx.ts(), ch, name, value));
}

/** Moves the channel to a dialplan application and emits ChannelDialplan. */
export function runApp(pbx: FakePbx, ch: FakeChannel, priority: number, app: string, data: string): void {
  ch.at(ch.dialplan.context, ch.dialplan.exten, priority, app, data);
  pbx.emit(dialplanEvent(pbx.ts(), ch));
}

/**
 * Puts the channel into the app: STASISSTATUS "", subscription, StasisStart. Returns the failure
 * (and sets STASISSTATUS=FAILED) when the app has no active socket.
 */
export function enterStasis(pbx: FakePbx, ch: FakeChannel, appName: string, args: readonly string[]): StasisFailure | null {
  const app = pbx.apps.get(appName);
  if (!app || !app.session) {
    setVar(pbx, ch, 'STASISSTATUS', 'FAILED');
    return app ? 'not-active' : 'does-not-exist';
  }
  ch.stasisArgs = [...args];
  setVar(pbx, ch, 'STASISSTATUS', '');
  pbx.apps.subscribeChannel(appName, ch.id, 'stasis');
  ch.stasisApp = appName;
  pbx.noteStasisStart(ch.id);
  pbx.emit(stasisStart(pbx.ts(), ch));
  return null;
}

/** The `Stasis(app,args)` application data. */
export function stasisData(appName: string, args: readonly string[]): string {
  return [appName, ...args].join(',');
}

/** Enters Stasis through the dialplan (ChannelDialplan Stasis first, as /channels/create shows). */
export function enterStasisViaDialplan(pbx: FakePbx, ch: FakeChannel, priority: number, appName: string, args: readonly string[]): StasisFailure | null {
  runApp(pbx, ch, priority, 'Stasis', stasisData(appName, args));
  return enterStasis(pbx, ch, appName, args);
}

/** StasisEnd, end of the Stasis subscription, then STASISSTATUS=SUCCESS. */
export function leaveStasis(pbx: FakePbx, ch: FakeChannel): void {
  const app = ch.stasisApp;
  if (!app) return;
  pbx.emit(channelOnly('StasisEnd', pbx.ts(), ch));
  ch.stasisApp = null;
  pbx.apps.unsubscribeChannel(app, ch.id, 'stasis');
  setVar(pbx, ch, 'STASISSTATUS', 'SUCCESS');
}
