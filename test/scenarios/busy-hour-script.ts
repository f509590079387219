/**
 * The script of a clinic's Monday-morning busy hour (seeded: the same every run): who calls when,
 * which keys they press, how long they wait before giving up, who presses * for a callback, what
 * they say to a mailbox (a spoken message for a mailbox that transcribes), who takes the queue's text offer, and how the desk phones answer and how
 * long each conversation lasts.
 */
import { seededRandom } from '../../src/cli/demo.js';
import type { AgentBehaviour } from '../fake-asterisk/model/endpoints.js';

/** What a caller means to do in the menus (the main menu in hours, the after-hours menu before 08:00). */
export type Intent =
  | 'scheduling'
  | 'billing'
  | 'rx-refill'
  | 'nurse'
  | 'spanish-scheduling'
  | 'spanish-nurse'
  | 'wrong-key-then-scheduling'
  | 'wrong-keys'
  | 'silent'
  | 'urgent'
  | 'after-hours-voicemail'
  | 'after-hours-callback';

/** One scripted caller. */
export interface ScriptedCall {
  readonly n: number;
  /** Ms after the start of the hour. */
  readonly at: number;
  readonly caller: string;
  readonly intent: Intent;
  /** Keys in ms after the engine answers. */
  readonly keys: readonly { readonly at: number; readonly digit: string }[];
  /** Ms in a queue before hanging up (Infinity: waits as long as the clinic lets them). */
  readonly patience: number;
  /** Ms in a queue before pressing * for a callback, or null. */
  readonly starAfter: number | null;
  /** Ms of message left in a mailbox, and how the caller ends it. */
  readonly message: { readonly ms: number; readonly end: 'hash' | 'hangup' };
  /**
   * What the caller does on hearing the queue's text offer: press its key `pressAfter` ms after the
   * offer starts, then hang up `hangUpAfter` ms after the key (they have the link); null: keeps waiting.
   */
  readonly text: { readonly pressAfter: number; readonly hangUpAfter: number } | null;
  /** What the caller says into a mailbox that transcribes (one of the spoken voicemails of test/fixtures/voicemail-speech). */
  readonly says: SpokenMessage;
}

/** The spoken voicemails the demo's callers say (test/fixtures/voicemail-speech/<name>.wav). */
export type SpokenMessage = 'chest-pain' | 'bleeding' | 'refill' | 'appointment';

/** Share of the callers who would give up waiting that take the text offer instead, when they may get one. */
export const TAKES_TEXT = 0.4;

/** Minutes before the site opens at which the hour starts (the first callers hear the after-hours menu). */
export const BEFORE_OPENING_MIN = 5;

const IN_HOURS: readonly [Intent, number][] = [
  ['scheduling', 38],
  ['billing', 14],
  ['rx-refill', 9],
  ['nurse', 12],
  ['spanish-scheduling', 8],
  ['spanish-nurse', 3],
  ['wrong-key-then-scheduling', 5],
  ['wrong-keys', 3],
  ['silent', 8],
];
const BEFORE_OPENING: readonly [Intent, number][] = [
  ['urgent', 25],
  ['after-hours-voicemail', 35],
  ['after-hours-callback', 20],
  ['silent', 20],
];

/**
 * What a caller says to a mailbox, by what they called about: the nurse line and the after-hours
 * callers hear symptoms most, the front desk's callers mostly an appointment, and now and then a
 * caller describes a symptom in the wrong mailbox (what the urgent words are there for).
 */
function spokenTable(intent: Intent): readonly [SpokenMessage, number][] {
  if (intent === 'nurse' || intent === 'spanish-nurse' || intent === 'urgent') {
    return [
      ['chest-pain', 40],
      ['bleeding', 30],
      ['refill', 20],
      ['appointment', 10],
    ];
  }
  if (intent === 'rx-refill') return [['refill', 85], ['chest-pain', 5], ['appointment', 10]];
  if (intent.startsWith('after-hours')) {
    return [
      ['chest-pain', 25],
      ['bleeding', 25],
      ['refill', 25],
      ['appointment', 25],
    ];
  }
  return [
    ['appointment', 60],
    ['refill', 20],
    ['chest-pain', 12],
    ['bleeding', 8],
  ];
}

function weighted<T>(rand: () => number, table: readonly [T, number][]): T {
  let r = rand() * table.reduce((a, [, w]) => a + w, 0);
  for (const [v, w] of table) if ((r -= w) < 0) return v;
  return table[table.length - 1]![0];
}

/** Keys for an intent; the first comes during or just after the menu prompt (3 s), the next after the prompt that follows. */
function keysFor(intent: Intent, first: number): { at: number; digit: string }[] {
  const seq: Record<Intent, string[]> = {
    scheduling: ['1'],
    billing: ['2'],
    'rx-refill': ['3'],
    nurse: ['4'],
    'spanish-scheduling': ['9', '1'],
    'spanish-nurse': ['9', '4'],
    'wrong-key-then-scheduling': ['6', '1'],
    'wrong-keys': ['7', '8', '0'],
    silent: [],
    urgent: ['1'],
    'after-hours-voicemail': ['2'],
    // 3: callback; 1: "call me back on this number"; then a reason (records request).
    'after-hours-callback': ['3', '1', '2'],
  };
  const gap = intent === 'after-hours-callback' ? 9000 : 7000;
  return seq[intent].map((digit, i) => ({ at: first + i * gap, digit }));
}

/**
 * The caller id of an in-hours caller who will not press * in a queue: about 3% withhold their
 * number and 3% call from a Mexican mobile (the clinic is in Austin); neither may get a text.
 */
function callerId(own: string, r: number, rand: () => number): string {
  if (r < 0.03) return 'anonymous';
  if (r < 0.06) return `+5255${String(Math.floor(rand() * 100_000_000)).padStart(8, '0')}`;
  return own;
}

/** `calls` callers over `hourMs`, front-loaded like a Monday morning, the same for the same seed. */
export function busyHourScript(calls: number, seed: number, hourMs = 3_600_000): ScriptedCall[] {
  const rand = seededRandom(seed);
  // Numbers and text offers draw from their own stream: the rest of the hour is the one it was before texts.
  const texting = seededRandom(seed * 7919 + 16);
  // And what each caller says to a transcribing mailbox, from a third stream.
  const speaking = seededRandom(seed * 7919 + 24);
  // The share of the hour before opening, as runBusyHour starts it (also when the hour is compressed into hourMs).
  const before = (BEFORE_OPENING_MIN * 60_000) / 3_600_000;
  const out: ScriptedCall[] = [];
  for (let n = 0; n < calls; n++) {
    const early = rand() < 0.05;
    const frac = early ? rand() * before : before + (1 - before) * rand() ** 1.5;
    const partner = !early && rand() < 0.02;
    const area = rand() < 0.75 ? '512' : '737';
    const caller = partner ? `+1512555077${rand() < 0.5 ? 7 : 8}` : `+1${area}${String(200 + Math.floor(rand() * 800))}${String(Math.floor(rand() * 10_000)).padStart(4, '0')}`;
    const intent = weighted(rand, early ? BEFORE_OPENING : IN_HOURS);
    const first = 4000 + Math.floor(rand() * 4000);
    // A third wait as long as they are let; the others give up after 40 s to 9 min.
    const patience = rand() < 0.33 ? Number.POSITIVE_INFINITY : 40_000 + Math.floor(rand() ** 1.3 * 500_000);
    const starAfter = rand() < 0.1 ? 50_000 + Math.floor(rand() * 200_000) : null;
    const message = { ms: 5000 + Math.floor(rand() * 15_000), end: rand() < 0.5 ? ('hash' as const) : ('hangup' as const) };
    const [kind, takes, press, leave] = [texting(), texting(), texting(), texting()];
    const number = early || partner || starAfter !== null ? caller : callerId(caller, kind, texting);
    // Only someone who would give up waiting takes the text, and only a number that may get one.
    const takesText = number === caller && Number.isFinite(patience) && takes < TAKES_TEXT;
    const text = takesText ? { pressAfter: 3000 + Math.floor(press * 5000), hangUpAfter: 6000 + Math.floor(leave * 4000) } : null;
    const says = weighted(speaking, spokenTable(intent));
    out.push({ n, at: Math.floor(frac * hourMs), caller: number, intent, keys: keysFor(intent, first), patience, starAfter, message, text, says });
  }
  return out.sort((a, b) => a.at - b.at).map((c, i) => ({ ...c, n: i + 1 }));
}

/** How each desk phone takes its next call: answers after 2-7 s and talks 2-6 min, or (8%) rings out. */
export function deskPhoneBehaviours(seed: number): (endpoint: string) => AgentBehaviour {
  const streams = new Map<string, () => number>();
  return (endpoint) => {
    let rand = streams.get(endpoint);
    if (!rand) streams.set(endpoint, (rand = seededRandom(seed * 7919 + Number(endpoint.replace(/\D/g, '')))));
    if (rand() < 0.08) return 'noanswer';
    const talk = 120_000 + Math.floor(((rand() + rand()) / 2) * 240_000);
    return { answer: 2000 + Math.floor(rand() * 5000), hangupAfter: talk };
  };
}

/** +1512•••0123: callers are patient data, the middle digits never reach the screen; `withheld` for a caller id that is no number. */
export function maskNumber(n: string): string {
  if (!/^\+?\d+$/.test(n)) return 'withheld';
  return n.length > 9 ? `${n.slice(0, 5)}•••${n.slice(-4)}` : '•••';
}
