import { describe, expect, it } from 'vitest';
import { checkUses, lookupOrder, statusOf, type SoundCatalog } from '../../../src/prompts/check.js';
import type { PromptUse } from '../../../src/prompts/uses.js';

describe('Asterisk lookup of a sound per call language', () => {
  it.each([
    ['en', ['en']],
    ['es', ['es', 'en']],
    ['es-MX', ['es_MX', 'es', 'en']],
    ['en-GB', ['en_GB', 'en']],
  ])('%s is looked up in %j', (language, order) => {
    expect(lookupOrder(language)).toEqual(order);
  });

  it.each([
    ['es', ['es', 'en'], 'found', 'es'],
    ['es', ['en'], 'fallback', 'en'],
    ['es-MX', ['es'], 'found', 'es'],
    ['en', ['es'], 'missing', null],
    ['en-GB', ['en'], 'found', 'en'],
    ['es', [], 'missing', null],
  ])('a call in %s, files in %j: %s (from %s)', (language, has, status, from) => {
    expect(statusOf(language, has)).toEqual({ status, heardFrom: from });
  });
});

describe('checkUses', () => {
  it('asks once per sound, skips uses that are never played, and gives each use its status', async () => {
    const asked: string[] = [];
    const catalog: SoundCatalog = { languages: async (s) => (asked.push(s), s === 'a' ? ['en'] : []) };
    const use = (sound: string, language: string, played = true): PromptUse => ({ sound, language, source: 'clinic', where: ['x'], played });
    const r = await checkUses([use('a', 'en'), use('a', 'es'), use('b', 'en'), use('c', 'en', false)], catalog);
    expect(asked.sort()).toEqual(['a', 'b']);
    expect(r.map((u) => `${u.sound}/${u.language}:${u.status}`)).toEqual(['a/en:found', 'a/es:fallback', 'b/en:missing']);
  });
});
