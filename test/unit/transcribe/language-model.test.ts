import { describe, expect, it } from 'vitest';
import { bigramArpa, wordsOf } from '../../../src/transcribe/language-model.js';

interface Model {
  uni: Map<string, { p: number; bo: number }>;
  bi: Map<string, Map<string, number>>;
}

function parse(arpa: string): Model {
  const uni = new Map<string, { p: number; bo: number }>();
  const bi = new Map<string, Map<string, number>>();
  let section = '';
  for (const line of arpa.split('\n')) {
    if (line.startsWith('\\')) section = line;
    else if (line.trim() && section === '\\1-grams:') {
      const [p, w, bo] = line.split(' ');
      uni.set(w!, { p: 10 ** Number(p), bo: bo === undefined ? 1 : 10 ** Number(bo) });
    } else if (line.trim() && section === '\\2-grams:') {
      const [p, a, b] = line.split(' ');
      bi.set(a!, (bi.get(a!) ?? new Map()).set(b!, 10 ** Number(p)));
    }
  }
  return { uni, bi };
}

describe('the clinic language model', () => {
  it('keeps apostrophes inside words and drops other punctuation', () => {
    expect(wordsOf("I can't breathe -- it's 'bad'!")).toEqual(['i', "can't", 'breathe', 'it\'s', 'bad']);
    expect(wordsOf('Chest Pain’s worse')).toEqual(['chest', "pain's", 'worse']);
  });

  it('writes an ARPA header whose counts match its sections', () => {
    const { arpa } = bigramArpa(['please call me back', 'call me today']);
    const m = parse(arpa);
    expect(arpa).toContain(`ngram 1=${m.uni.size}`);
    const bigrams = [...m.bi.values()].reduce((n, x) => n + x.size, 0);
    expect(arpa).toContain(`ngram 2=${bigrams}`);
    expect(arpa.trim().endsWith('\\end\\')).toBe(true);
    expect([...m.uni.keys()]).toEqual(expect.arrayContaining(['<s>', '</s>', 'please', 'call', 'me', 'back', 'today']));
  });

  it('is a distribution: after every word the probabilities of all next words sum to one', () => {
    const { arpa } = bigramArpa(['i have chest pain', 'i have a fever', 'my son has a fever', 'please call me back']);
    const m = parse(arpa);
    const next = [...m.uni.keys()].filter((w) => w !== '<s>');
    for (const [prev, { bo }] of m.uni) {
      if (prev === '</s>') continue;
      const seen = m.bi.get(prev) ?? new Map<string, number>();
      const total = next.reduce((sum, w) => sum + (seen.get(w) ?? bo * m.uni.get(w)!.p), 0);
      expect(total, `after "${prev}"`).toBeCloseTo(1, 3);
    }
  });

  it('leaves out words the dictionary cannot pronounce, and names them', () => {
    const known = new Set(['please', 'call', 'me', 'back']);
    const { arpa, unknown } = bigramArpa(['please call me back zorbly'], (w) => known.has(w));
    expect(unknown).toEqual(['zorbly']);
    expect(arpa).not.toContain('zorbly');
    expect(() => bigramArpa(['zorbly'], (w) => known.has(w))).toThrow(/no sentence has a known word/);
  });
});
