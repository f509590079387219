/**
 * The time zone the record commands (report, explain, voicemail list, callbacks list) show times
 * and read days in: --tz when given, else the clinic's, from the config (the zone its sites share).
 * A clinic whose sites are in several zones must say which with --tz: a day starts at a different
 * moment in each, and a report that picked one silently would count the wrong calls.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { loadPlan } from '../config/index.js';
import { clinicZone } from '../config/clinic-zone.js';
import { InputError } from './inputs.js';

/** The config the engine and these commands read: PBX_ROUTER_CONFIG, else the example clinic. */
export const DEFAULT_CONFIG = process.env.PBX_ROUTER_CONFIG ?? 'config/example-clinic.yaml';

/** Adds -c/--config and --tz to a record command. */
export function zoneOptions(c: Command): Command {
  return c.option('-c, --config <file>', `config whose sites' time zone is used (env PBX_ROUTER_CONFIG; default ${DEFAULT_CONFIG})`).option('--tz <zone>', "IANA time zone for days and times (default: the sites' zone, from the config)");
}

/** --tz, checked, or the zone the config's sites share; an InputError saying what to pass when neither gives one. */
export function displayZone(o: { readonly tz?: string; readonly config?: string }): string {
  if (o.tz !== undefined) {
    if (!DateTime.local().setZone(o.tz).isValid) throw new InputError(`unknown time zone '${o.tz}' (an IANA name such as America/Chicago)`);
    return o.tz;
  }
  const config = o.config ?? DEFAULT_CONFIG;
  const { plan, problems, status } = loadPlan(config);
  if (!plan) {
    const why = status === 'unreadable' ? `cannot read the config ${config}` : `the config ${config} has ${problems.length} problem(s) (see pbx-router validate ${config})`;
    throw new InputError(`the time zone comes from the sites in the config, but ${why}: pass -c <config> (or set PBX_ROUTER_CONFIG), or --tz <zone>`);
  }
  const z = clinicZone(plan);
  if (z.zone) return z.zone;
  throw new InputError(`the sites in ${config} are in several time zones (${z.zones.join('; ')}): pass --tz <zone> to say which one to use`);
}
