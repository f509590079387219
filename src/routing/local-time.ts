/**
 * Fast local wall-clock parts of an instant in an IANA zone. luxon's zone lookups cost tens of
 * microseconds; a zone's UTC offset only changes at transitions, which fall on quarter hours, so
 * the offset is memoised per zone and 15-minute bucket (a pure function: the cache never changes
 * an answer).
 */
import { IANAZone } from 'luxon';

const QUARTER = 15 * 60_000;
const MAX_ENTRIES = 50_000;
const zones = new Map<string, IANAZone>();
const offsets = new Map<string, Map<number, number>>();

/** The zone's offset from UTC in minutes at this instant. */
export function offsetMinutes(zone: string, ms: number): number {
  let cache = offsets.get(zone);
  if (!cache) {
    cache = new Map();
    offsets.set(zone, cache);
  }
  const bucket = Math.floor(ms / QUARTER);
  let off = cache.get(bucket);
  if (off === undefined) {
    let z = zones.get(zone);
    if (!z) {
      z = IANAZone.create(zone);
      zones.set(zone, z);
    }
    off = z.offset(bucket * QUARTER);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(bucket, off);
  }
  return off;
}

export interface LocalParts {
  /** YYYY-MM-DD */
  readonly date: string;
  readonly year: number;
  /** 0 = Monday .. 6 = Sunday */
  readonly weekday: number;
  /** Minutes since local midnight. */
  readonly minute: number;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** Local date, weekday and minute of the day of an instant in a zone. */
export function localParts(zone: string, ms: number): LocalParts {
  const d = new Date(ms + offsetMinutes(zone, ms) * 60_000);
  const year = d.getUTCFullYear();
  return {
    date: `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    year,
    weekday: (d.getUTCDay() + 6) % 7,
    minute: d.getUTCHours() * 60 + d.getUTCMinutes(),
  };
}
