/** Compiling an on-call roster: defaults filled in, handoff parsed, overrides turned into instants. */
import { DateTime } from 'luxon';
import type { RosterConfig } from './schema.js';
import { toActions } from './actions.js';
import type { CompiledRoster, RosterMember } from '../routing/types.js';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** A local date-time of the roster's zone as an instant (a time in a DST gap moves forward). */
function instant(local: string, timezone: string, i: number): number {
  const t = DateTime.fromISO(local, { zone: timezone });
  if (!t.isValid) throw new Error(`override ${i + 1}: ${local} is not a real date and time in ${timezone}`);
  return t.toMillis();
}

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
      (cfg.overrides ?? []).map((o, i) => Object.freeze({ member: o.member, fromMs: instant(o.from, timezone, i), toMs: instant(o.to, timezone, i) })),
    ),
    confirm: Object.freeze({ required: cfg.confirm?.required ?? true, digit: cfg.confirm?.digit ?? '1', timeout: cfg.confirm?.timeout ?? 10 }),
    // Default: the rotation order starting at the on-call member (each 'next' steps one further).
    escalation: Object.freeze(cfg.escalation ?? ['on-call', ...cfg.rotation.order.map(() => 'next')]),
    final: toActions(cfg.final),
  });
}
