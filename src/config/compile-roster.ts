/** Compiling an on-call roster: defaults filled in, handoff parsed, overrides turned into instants. */
import { DateTime } from 'luxon';
import type { RosterConfig } from './schema.js';
import { toActions } from './actions.js';
import type { CompiledRoster, RosterMember } from '../routing/types.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Compiles a roster in its site's time zone. */
export function compileRoster(id: string, cfg: RosterConfig, timezone: string): CompiledRoster {
  const members = new Map<string, RosterMember>(
    Object.entries(cfg.members).map(([mid, m]) => [mid, Object.freeze({ id: mid, name: m.name, number: m.number, ringTime: m.ringTime ?? cfg.ringTime ?? 25 })]),
  );
  const [dayPart, timePart] = cfg.rotation.handoff.includes(' ') ? cfg.rotation.handoff.split(' ') : [null, cfg.rotation.handoff];
  const handoffMinute = Number(timePart!.slice(0, 2)) * 60 + Number(timePart!.slice(3, 5));
  return Object.freeze({
    id,
    site: cfg.site,
    timezone,
    members,
    rotation: Object.freeze({
      every: cfg.rotation.every,
      handoffDay: dayPart ? DAYS.indexOf(dayPart) : 0,
      handoffMinute,
      order: Object.freeze([...cfg.rotation.order]),
      start: cfg.rotation.start,
    }),
    overrides: Object.freeze(
      (cfg.overrides ?? []).map((o) => ({
        member: o.member,
        fromMs: DateTime.fromISO(o.from, { zone: timezone }).toMillis(),
        toMs: DateTime.fromISO(o.to, { zone: timezone }).toMillis(),
      })),
    ),
    confirm: Object.freeze({ required: cfg.confirm?.required ?? true, digit: cfg.confirm?.digit ?? '1', timeout: cfg.confirm?.timeout ?? 10 }),
    escalation: Object.freeze(cfg.escalation ?? ['on-call', 'next', ...cfg.rotation.order]),
    final: toActions(cfg.final),
  });
}
