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

/** The sound files the fake has, with their durations. */
export class SoundLibrary {
  private readonly durations = new Map<string, number>();

  constructor(extra: Readonly<Record<string, number>> = {}) {
    for (const [k, v] of Object.entries({ ...ESTIMATED, ...MEASURED, ...extra })) this.durations.set(k, v);
  }

  /** Duration in ms, or undefined when the file does not exist. */
  duration(name: string): number | undefined {
    return this.durations.get(name);
  }

  /** Adds or replaces a sound (e.g. a clinic prompt `riverside/main-menu`). */
  add(name: string, ms: number): void {
    this.durations.set(name, ms);
  }

  /** Known sound names, for GET /sounds. */
  names(): string[] {
    return [...this.durations.keys()].sort();
  }
}
