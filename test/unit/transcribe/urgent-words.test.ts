import { describe, expect, it } from 'vitest';
import { DEFAULT_URGENT_WORDS } from '../../../src/config/compile-transcription.js';
import { urgentWordsIn } from '../../../src/transcribe/urgent-words.js';

describe('urgent words in a transcript', () => {
  it.each([
    ['i have chest pain since this morning', ['chest pain']],
    ['CHEST PAIN', ['chest pain']],
    ['my chest... pain is back', ['chest pain']],
    ["i can't breathe", ["can't breathe"]],
    ['i cant breathe', ["can't breathe"]],
    ['i can’t breathe', ["can't breathe"]],
    ['he is bleeding and has chest pain', ['chest pain', 'bleeding']],
    ['the bleeding stopped, the bleeding stopped', ['bleeding']],
    ['my chest hurts a little, no pain elsewhere', []],
    ['a nosebleed, nothing bleedingly serious', []],
    ['please call me back about my refill', []],
    ['', []],
  ])('%j has %j', (text, found) => {
    expect(urgentWordsIn(text, DEFAULT_URGENT_WORDS)).toEqual(found);
  });

  it('configured words keep their spelling and order; blank ones match nothing', () => {
    expect(urgentWordsIn('I FELL and hit my Head', ['hit my head', 'fell', ' '])).toEqual(['hit my head', 'fell']);
  });
});
