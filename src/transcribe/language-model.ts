/**
 * A small bigram language model in ARPA format, for pocketsphinx. Debian's general US English
 * model knows 130,000 words and recognises little of a phone-quality voicemail; a model of how
 * patients speak to a clinic (appointments, prescriptions, results, symptoms, "please call me
 * back") plus the clinic's own urgent words narrows the search to what is said there. Pure:
 * sentences in, ARPA text out.
 *
 * Estimation: absolute discounting (D = 0.5) on bigrams, backing off to unigrams that are
 * add-one smoothed over the vocabulary; `<s>` and `</s>` mark sentence ends, as pocketsphinx
 * expects.
 */

const DISCOUNT = 0.5;

/** Lower-case words of a sentence; apostrophes kept ("can't"), other punctuation dropped. */
export function wordsOf(sentence: string): string[] {
  return sentence
    .toLowerCase()
    .replace(/[’‘]/g, "'")
    .replace(/[^a-z' ]+/g, ' ')
    .split(/\s+/)
    .map((w) => w.replace(/^'+|'+$/g, ''))
    .filter((w) => w.length > 0);
}

const log10 = (p: number) => Math.log10(p).toFixed(4);

/**
 * The ARPA text of a bigram model over `sentences`, restricted to `known` words when given (the
 * pronouncing dictionary's: a word pocketsphinx cannot pronounce makes it refuse the model).
 * Returns the model and the words that were left out.
 */
export function bigramArpa(sentences: readonly string[], known?: (word: string) => boolean): { arpa: string; unknown: string[] } {
  const unknown = new Set<string>();
  const uni = new Map<string, number>();
  const bi = new Map<string, Map<string, number>>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const s of sentences) {
    const words = wordsOf(s).filter((w) => {
      if (!known || known(w)) return true;
      unknown.add(w);
      return false;
    });
    if (words.length === 0) continue;
    const seq = ['<s>', ...words, '</s>'];
    for (let i = 0; i < seq.length; i++) {
      add(uni, seq[i]!);
      if (i > 0) {
        const prev = seq[i - 1]!;
        const next = bi.get(prev) ?? new Map<string, number>();
        add(next, seq[i]!);
        bi.set(prev, next);
      }
    }
  }
  if (uni.size === 0) throw new Error('language model: no sentence has a known word');
  const vocab = [...uni.keys()].sort();
  // Unigrams: add-one over the vocabulary, except <s> which is never predicted.
  const predicted = vocab.filter((w) => w !== '<s>');
  const total = predicted.reduce((n, w) => n + uni.get(w)!, 0) + predicted.length;
  const pUni = new Map(predicted.map((w) => [w, (uni.get(w)! + 1) / total]));
  const lines: string[] = [];
  const biLines: string[] = [];
  const backoff = new Map<string, number>();
  for (const [prev, nexts] of [...bi.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const count = [...nexts.values()].reduce((a, b) => a + b, 0);
    let seenMass = 0;
    let seenUni = 0;
    for (const [w, c] of [...nexts.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const p = (c - DISCOUNT) / count;
      seenMass += p;
      seenUni += pUni.get(w) ?? 0;
      biLines.push(`${log10(p)} ${prev} ${w}`);
    }
    backoff.set(prev, (1 - seenMass) / Math.max(1e-9, 1 - seenUni));
  }
  lines.push('\\data\\', `ngram 1=${vocab.length}`, `ngram 2=${biLines.length}`, '', '\\1-grams:');
  for (const w of vocab) {
    const p = w === '<s>' ? '-99.0000' : log10(pUni.get(w)!);
    const b = backoff.has(w) ? ` ${log10(backoff.get(w)!)}` : '';
    lines.push(`${p} ${w}${b}`);
  }
  lines.push('', '\\2-grams:', ...biLines, '', '\\end\\', '');
  return { arpa: lines.join('\n'), unknown: [...unknown].sort() };
}
