/**
 * The language a call is in after a routing decision, for the prompts played to the caller: Asterisk
 * looks a sound up in the playback's language, then in `en`, so a Spanish caller hears
 * sounds/es/... where it exists (pbx-router's prompts, Spanish core sounds, the clinic's recordings).
 */
import type { Decision } from '../routing/types.js';

/** The decision's language: its outcome's, else its last `setLanguage`, else what the call had (`before`). */
export function decisionLanguage(d: Decision, before: string): string {
  if (d.status === 'done') return d.outcome.language;
  let language = before;
  for (const s of d.steps) if (s.kind === 'set-language') language = s.language;
  return language;
}
