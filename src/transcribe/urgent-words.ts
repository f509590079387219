/**
 * Which urgent words a transcript has: whole words and phrases, any case, apostrophes ignored (an
 * engine writes "can't", "can’t" or "cant" for the same sound), any run of spaces or punctuation
 * between the words of a phrase ("chest... pain" matches "chest pain"; "bleedingly" does not match
 * "bleeding").
 */

/** Lower case, apostrophes dropped, every other non-letter/digit a single space, padded with spaces. */
function normalize(text: string): string {
  const words = text
    .toLowerCase()
    .replace(/['’‘ʼ`´]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return ` ${words} `;
}

/** The urgent words (as configured, each once, in the configured order) that `text` has. */
export function urgentWordsIn(text: string, urgentWords: readonly string[]): string[] {
  const heard = normalize(text);
  const found: string[] = [];
  for (const word of urgentWords) {
    const phrase = normalize(word);
    if (phrase.trim() === '' || found.includes(word)) continue;
    if (heard.includes(phrase)) found.push(word);
  }
  return found;
}
