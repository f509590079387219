/**
 * Which of the sounds a config and the engine play are on the Asterisk, in the language each is
 * played in. A missing `sound:` is not an ARI error (the playback moves on at once and only
 * Asterisk's log says `Playback failed`), so asking ARI's sound index beforehand is the one way to
 * know that a caller would hear silence.
 *
 * Asterisk looks a sound up in the call's language, then without its dialect (es_MX -> es), then
 * without a language, then in `en` (main/file.c, fileexists_core): a prompt missing in Spanish but
 * present in English is heard in English (`fallback`), one present in neither is silence (`missing`).
 */
import { asteriskLanguage } from './speech.js';
import type { PromptUse } from './uses.js';

/** The sounds Asterisk has. */
export interface SoundCatalog {
  /** The languages Asterisk has the sound in (GET /sounds/{id}); empty when it has none. */
  languages(sound: string): Promise<readonly string[]>;
}

/** Asterisk could not be asked: not reachable, the ARI user refused, or an answer we do not understand. */
export class SoundCatalogError extends Error {
  constructor(
    readonly code: 'unreachable' | 'refused' | 'unexpected',
    message: string,
  ) {
    super(message);
  }
}

/** found: in the call's language; fallback: heard in English instead; missing: the caller hears silence. */
export type PromptStatus = 'found' | 'fallback' | 'missing';

export interface CheckedUse extends PromptUse {
  readonly status: PromptStatus;
  /** The Asterisk language folder the sound is played from, or null when missing. */
  readonly heardFrom: string | null;
}

/** The Asterisk languages tried for a call language, in Asterisk's order (es_MX, es, en). */
export function lookupOrder(language: string): string[] {
  const out: string[] = [];
  let lang = asteriskLanguage(language);
  for (;;) {
    out.push(lang);
    const cut = lang.lastIndexOf('_');
    if (cut < 0) break;
    lang = lang.slice(0, cut);
  }
  if (!out.includes('en')) out.push('en');
  return out;
}

/** The status of one use, given the languages Asterisk has the sound in. */
export function statusOf(language: string, has: readonly string[]): { status: PromptStatus; heardFrom: string | null } {
  const order = lookupOrder(language);
  const from = order.find((l) => has.includes(l)) ?? null;
  if (from === null) return { status: 'missing', heardFrom: null };
  const english = order[0]!.split('_')[0] === 'en';
  return { status: from === 'en' && !english ? 'fallback' : 'found', heardFrom: from };
}

/** Asks the catalog once per sound (a few at a time) and gives each played use its status; throws SoundCatalogError. */
export async function checkUses(uses: readonly PromptUse[], catalog: SoundCatalog, parallel = 8): Promise<CheckedUse[]> {
  const played = uses.filter((u) => u.played);
  const names = [...new Set(played.map((u) => u.sound))];
  const found = new Map<string, readonly string[]>();
  for (let i = 0; i < names.length; i += parallel) {
    const batch = names.slice(i, i + parallel);
    const answers = await Promise.all(batch.map((n) => catalog.languages(n)));
    batch.forEach((n, j) => found.set(n, answers[j]!));
  }
  return played.map((u) => ({ ...u, ...statusOf(u.language, found.get(u.sound) ?? []) }));
}

/** One line per use for people: `riverside/welcome (es): missing - rule inbound/"Open"`. */
export function describeUse(u: CheckedUse): string {
  const heard = u.status === 'fallback' ? ` (heard in ${u.heardFrom ?? 'en'})` : '';
  return `${u.sound} (${u.language}): ${u.status}${heard} - ${u.where.join('; ')}`;
}
