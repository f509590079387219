/**
 * The clinic's time zone, for what is not about one call: nightly jobs, and the times that
 * reports and lists show. Each site has its own zone; when they all share one, that is the
 * clinic's, and when they do not, the caller decides (the first site's, or ask for --tz).
 */
import type { Plan } from '../routing/types.js';

export interface ClinicZone {
  /** The zone every site shares, or null when the sites are in several. */
  readonly zone: string | null;
  /** The first site (in config order) and its zone. */
  readonly first: { readonly site: string; readonly zone: string } | null;
  /** Each zone with the sites in it, e.g. `America/Chicago (riverside, downtown)`. */
  readonly zones: readonly string[];
}

/** The zone the sites share, else null with every zone and its sites. */
export function clinicZone(plan: Pick<Plan, 'sites'>): ClinicZone {
  const bySite = [...plan.sites.values()].map((s) => ({ site: s.id, zone: s.timezone }));
  const zones = new Map<string, string[]>();
  for (const s of bySite) zones.set(s.zone, [...(zones.get(s.zone) ?? []), s.site]);
  return {
    zone: zones.size === 1 ? [...zones.keys()][0]! : null,
    first: bySite[0] ?? null,
    zones: [...zones].map(([zone, sites]) => `${zone} (${sites.join(', ')})`),
  };
}
