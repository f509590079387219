/**
 * Bounds on what the loader reads and builds. A clinic never comes near them (the example clinic
 * is 8 KB, 4 rules, no alias); they exist so that a typo, a fuzzer or a wrong path can only make a
 * config invalid, never make `validate` or a reload run for minutes or exhaust memory.
 */
export interface LoadLimits {
  /** Bytes of one config file. */
  readonly fileBytes: number;
  /** Bytes of all the files of a config folder together. */
  readonly totalBytes: number;
  /** .yaml/.yml files in a config folder. */
  readonly files: number;
  /** YAML aliases (`*name`) in one file. */
  readonly aliases: number;
  /** Nesting of maps and lists (the deepest real config path, routes.x[0].when.caller.in[0], is 6). */
  readonly depth: number;
  /** Rules over all rule sets. */
  readonly rules: number;
  /** Bytes of one iCalendar file. */
  readonly icalBytes: number;
  /** Problems reported for one config; the rest are counted, not listed. */
  readonly problems: number;
}

export const LIMITS: LoadLimits = Object.freeze({
  fileBytes: 2 * 1024 * 1024,
  totalBytes: 4 * 1024 * 1024,
  files: 500,
  aliases: 1000,
  depth: 40,
  rules: 10_000,
  icalBytes: 4 * 1024 * 1024,
  problems: 500,
});

/** A byte count in words: 2 MiB, 512 KiB, 90 bytes. */
export function bytes(n: number): string {
  if (n >= 1024 * 1024) return `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}
