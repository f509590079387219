/**
 * Channel allocation for a dial string (ast_request): Local pairs and PJSIP channels.
 *
 * Asterisk facts: `Local/<exten>@<context>` always allocates (the extension is only looked up
 * when called); with `channelId` the `;2` half is `<channelId>;2` unless `otherChannelId` is
 * given. A duplicate id fails with AST_CHANNEL_ERROR_ID_EXISTS (409) after taking one uniqueid
 * and one unreal sequence number. A PJSIP endpoint that does not exist or has no contact, and
 * any other technology, fails without taking an id (500 Allocation failed).
 */
import { randomBytes } from 'node:crypto';
import type { FakeChannel, ChannelOrigin } from './channel.js';
import type { FakeEndpoints } from './endpoints.js';
import type { FakePbx } from './pbx.js';

/** The outcome of allocating channels for a dial string. */
export type AllocResult =
  | { readonly ok: true; readonly ch1: FakeChannel; readonly ch2: FakeChannel | null }
  | { readonly ok: false; readonly error: 'duplicate' | 'failed' };

/** Splits `Tech/resource`; null when either part is empty (400 Invalid endpoint specified). */
export function splitEndpoint(endpoint: string): { tech: string; resource: string } | null {
  const i = endpoint.indexOf('/');
  if (i <= 0 || i === endpoint.length - 1) return null;
  return { tech: endpoint.slice(0, i), resource: endpoint.slice(i + 1) };
}

/** Splits a Local resource `exten@context` (context `default` when absent). */
export function localTarget(resource: string): { exten: string; context: string } {
  const at = resource.lastIndexOf('@');
  return at < 0 ? { exten: resource, context: 'default' } : { exten: resource.slice(0, at), context: resource.slice(at + 1) };
}

/** Allocates the channel(s) for `endpoint`; `origin` tells how they will be used. */
export function allocate(pbx: FakePbx, endpoints: FakeEndpoints, endpoint: string, id: string | undefined, otherId: string | undefined, origin: ChannelOrigin): AllocResult {
  const parts = splitEndpoint(endpoint);
  if (!parts) return { ok: false, error: 'failed' };
  const { tech, resource } = parts;
  const otherFinal = otherId ?? (id ? `${id};2` : undefined);
  const duplicate = (id !== undefined && pbx.idInUse(id)) || (otherFinal !== undefined && pbx.idInUse(otherFinal));
  if (tech.toLowerCase() === 'local') {
    if (duplicate) {
      pbx.nextUnrealSeq();
      pbx.nextUniqueId();
      return { ok: false, error: 'duplicate' };
    }
    const { exten, context } = localTarget(resource);
    const base = `Local/${resource}-${pbx.nextUnrealSeq()}`;
    const location = { context, exten, priority: 1, app_name: '', app_data: '' };
    const ch1 = pbx.newChannel({ id, name: `${base};1`, tech: 'Local', origin, state: 'Down', dialplan: location });
    const ch2 = pbx.newChannel({ id: otherFinal, name: `${base};2`, tech: 'Local', origin, state: 'Ring', dialplan: location });
    ch1.half = 1;
    ch2.half = 2;
    ch1.peer = ch2;
    ch2.peer = ch1;
    return { ok: true, ch1, ch2 };
  }
  if (tech === 'PJSIP') {
    const ep = endpoints.byDialString(endpoint);
    if (!ep || !ep.online) return { ok: false, error: 'failed' };
    if (duplicate) {
      pbx.nextUniqueId();
      return { ok: false, error: 'duplicate' };
    }
    const location = { context: ep.context, exten: 's', priority: 1, app_name: '', app_data: '' };
    // A new PJSIP channel starts with the endpoint's own caller id (A4: Newchannel shows "Desk 1001").
    const ch = pbx.newChannel({ caller: ep.callerId, id, name: `PJSIP/${ep.resource}-${pbx.nextPjsipSeq()}`, tech: 'PJSIP', origin, state: 'Down', dialplan: location, endpoint: `PJSIP/${ep.resource}` });
    ch.protocolId = randomBytes(16).toString('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
    endpoints.channelsChanged(ep, ch, true);
    return { ok: true, ch1: ch, ch2: null };
  }
  return { ok: false, error: 'failed' };
}

/** ast_callerid_parse of `"Name" <number>` / `Name <number>` / `number`. */
export function parseCallerId(callerId: string | undefined): { name: string; number: string } | null {
  if (!callerId) return null;
  const m = /^\s*(?:"([^"]*)"|([^<]*?))\s*<([^>]*)>\s*$/.exec(callerId);
  if (m) return { name: (m[1] ?? m[2] ?? '').trim(), number: (m[3] ?? '').trim() };
  const t = callerId.trim();
  return /^[\d+*#]+$/.test(t) ? { name: '', number: t } : { name: t, number: '' };
}
