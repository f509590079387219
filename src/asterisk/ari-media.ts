/**
 * How the engine's words for media, legs and the failsafe are spelled for Asterisk: the only place
 * that knows ARI's media URIs, the Stasis arguments of an originated leg and the failsafe dialplan.
 */
import type { Inventory, LegRole, Media } from '../calls/telephony.js';

/**
 * The media URI of one item. A digit is the `digits/N` sound, not `digits:N`: Asterisk cannot stop a
 * `digits:` item (DELETE /playbacks answers 500 while it plays), so a key pressed while a number is
 * read back would leave the rest playing and the next prompt queued behind it.
 */
export function mediaUri(m: Media): string {
  switch (m.kind) {
    case 'sound':
      return `sound:${m.name}`;
    case 'digit':
      return `sound:digits/${m.digit}`;
    case 'number':
      return `number:${m.value}`;
  }
}

/** Where a caller the engine cannot carry on goes (dialplan/extensions.conf: rings the fallback, then voicemail). */
export const FAILSAFE_DIALPLAN = { context: 'pbx-router-failsafe', extension: 's', priority: 1 } as const;

/** The Stasis arguments of an originated leg: its role and the caller's channel. */
export function legAppArgs(role: LegRole, caller: string): string {
  return `${role},${caller}`;
}

/** Is this channel (by its Stasis arguments after the application name) one of the engine's legs? */
export function legRoleOf(args: readonly string[]): LegRole | null {
  return args[0] === 'agent' || args[0] === 'oncall' ? args[0] : null;
}

/** A channel of GET /channels as the engine's inventory sees it. */
export function inventoryChannel(c: { id: string; state: string; dialplan?: { app_data?: string } }): Inventory['channels'][number] {
  const args = String(c.dialplan?.app_data ?? '').split(',').slice(1);
  return { id: c.id, answered: c.state === 'Up', role: legRoleOf(args) ?? 'caller' };
}
