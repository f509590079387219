/**
 * Durations of the sounds the fake can play, in ms of Asterisk time. A sound that is not listed
 * is a missing file: Asterisk sends PlaybackStarted and, 1 ms later, PlaybackFinished `failed`.
 */

/** Measured on the lab Asterisk (PlaybackStarted -> PlaybackFinished in the transcripts). */
const MEASURED: Readonly<Record<string, number>> = {
  'hello-world': 1403, // 01, 17
  'vm-intro': 5650, // 02, 16
  beep: 424, // 03, 11
  'queue-thereare': 2257, // 04, 13
  'vm-nobodyavail': 2786, // 16 (Playback in router-failsafe)
};

/** Estimated from the core sound files (en, 8 kHz); close enough for flows, not measured here. */
const ESTIMATED: Readonly<Record<string, number>> = {
  'queue-youarenext': 1100,
  'queue-callswaiting': 1650,
  'queue-holdtime': 2050,
  'queue-minutes': 650,
  'queue-seconds': 700,
  'queue-thankyou': 2200,
  'queue-periodic-announce': 3800,
  'vm-goodbye': 800,
  'vm-msgsaved': 1200,
  'vm-theperson': 1500,
  'vm-isunavail': 1500,
  'vm-intro-busy': 3000,
  'pls-hold-while-try': 2100,
  'conf-onlyperson': 2300,
  'agent-loginok': 900,
  'silence/1': 1000,
  'silence/10': 10000,
  ...Object.fromEntries(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((d) => [`digits/${d}`, 550])),
};

/**
 * The sound files the fake has, per language, with their durations. The built-in ones are in `en`,
 * like Debian's asterisk-core-sounds-en on the lab Asterisk. A playback looks a sound up the way
 * Asterisk does (main/file.c fileexists_core): the channel's or the playback's language, the same
 * without its dialect (es_MX -> es), then `en`.
 */
export class SoundLibrary {
  private readonly files = new Map<string, Map<string, number>>();

  constructor(extra: Readonly<Record<string, number>> = {}) {
    for (const [k, v] of Object.entries({ ...ESTIMATED, ...MEASURED, ...extra })) this.add(k, v);
  }

  /** Duration in ms as a playback in `language` finds it, or undefined when the file does not exist. */
  duration(name: string, language = 'en'): number | undefined {
    const byLanguage = this.files.get(name);
    if (!byLanguage) return undefined;
    for (const l of lookupOrder(language)) {
      const ms = byLanguage.get(l);
      if (ms !== undefined) return ms;
    }
    return undefined;
  }

  /** Adds or replaces a sound (e.g. a clinic prompt `riverside/main-menu`), by default in `en`. */
  add(name: string, ms: number, language = 'en'): void {
    const byLanguage = this.files.get(name) ?? new Map<string, number>();
    byLanguage.set(language, ms);
    this.files.set(name, byLanguage);
  }

  /** Deletes a sound's file in one language, or in every language; true when there was one. */
  remove(name: string, language?: string): boolean {
    const byLanguage = this.files.get(name);
    if (!byLanguage) return false;
    const removed = language === undefined ? byLanguage.size > 0 : byLanguage.delete(language);
    if (language === undefined || byLanguage.size === 0) this.files.delete(name);
    return removed;
  }

  /** The languages a sound has a file in (GET /sounds/{id}), sorted. */
  languages(name: string): string[] {
    return [...(this.files.get(name)?.keys() ?? [])].sort();
  }

  /** Known sound names, for GET /sounds (only those with a file in `language` when given). */
  names(language?: string): string[] {
    return [...this.files.keys()].filter((n) => language === undefined || this.files.get(n)!.has(language)).sort();
  }
}

/** Asterisk's lookup order for a language: itself, without each `_` suffix, then `en`. */
function lookupOrder(language: string): string[] {
  const out: string[] = [];
  for (let l = language; l; l = l.includes('_') ? l.slice(0, l.lastIndexOf('_')) : '') out.push(l);
  if (!out.includes('en')) out.push('en');
  return out;
}
