/**
 * Channels Asterisk stopped acting on (issue 18): a request accepted and never carried out. The
 * caller is handed to the failsafe dialplan; a channel still in the application after that is hung
 * up; one still there after the hangup is wedged: logged as an error, stored with its call, and
 * counted in status and /metrics so clinic IT knows Asterisk needs a restart. Never a silent caller
 * left for ever without a word in the log.
 */
import type { Logger } from '../logging/logger.js';
import type { CallCounters } from './call-counters.js';
import type { EffectContext } from './effect-context.js';

type Parts = Pick<EffectContext, 'registry' | 'journal' | 'store' | 'clock' | 'rescue' | 'deliver' | 'finish' | 'logOf'>;

/** The call a channel belongs to: held now, or in the store (a call of an earlier run). */
function callOf(p: Parts, channel: string): string | null {
  return p.registry.callOf(channel) ?? p.store.callByChannel(channel)?.id ?? null;
}

/** A channel is not responding: a caller goes to the failsafe, a leg is hung up (both checked, see rescue.ts). */
export function stalled(p: Parts, counters: CallCounters, logger: Logger, channel: string, what: string): void {
  if (p.rescue.has(channel) || counters.isWedged(channel)) return;
  const id = callOf(p, channel);
  const live = id ? p.registry.get(id) : undefined;
  const isCaller = live ? live.session.channel === channel : id !== null && p.store.call(id)?.channelId === channel;
  const log = id ? p.logOf(id) : logger;
  log.warn({ channel, request: what }, `${id ? `call ${id}: ` : ''}channel ${channel} is not responding (${what}); ${isCaller ? 'handing it to the failsafe dialplan' : 'hanging it up'}`);
  if (id) p.journal.event(id, 'stalled', { channel, what });
  if (live && id && isCaller) {
    p.journal.event(id, 'failsafe', { reason: `channel not responding: ${what}`, ...(live.session.endAs ? { was: live.session.endAs } : {}) });
    p.finish(id, 'failsafe');
  } else if (live && id) p.deliver(id, { type: 'leg-hangup', leg: channel });
  if (isCaller) p.rescue.handOver(channel, log);
  else p.rescue.hangUp(channel, log, 'it stopped responding');
}

/** A channel that survived the failsafe hand-off and a hangup: only an Asterisk restart frees it. */
export function wedge(p: Parts, counters: CallCounters, logger: Logger, channel: string): void {
  const id = callOf(p, channel);
  counters.wedge(channel, id, p.clock.now());
  (id ? p.logOf(id) : logger).error({ channel }, `${id ? `call ${id}: ` : ''}channel ${channel} is wedged in Asterisk: requests are accepted and nothing happens, a hangup included; only an Asterisk restart frees it (pbx-router status lists it)`);
  if (id) p.journal.wedged(id, channel);
}
