import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { jsonSchema } from '../../../src/config/schema.js';

const committed = JSON.parse(readFileSync(new URL('../../../schema/pbx-router.schema.json', import.meta.url), 'utf8'));

describe('JSON Schema for editors', () => {
  it('the committed schema file is the one generated from the TypeBox definition (run npm run schema)', () => {
    expect(committed).toEqual(jsonSchema());
  });

  it('is a draft-07 schema that a plain ajv accepts and that checks the example configs', () => {
    expect(committed.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const validate = new Ajv({ strict: false }).compile(committed);
    for (const file of ['example-clinic.yaml', 'example-network.yaml']) {
      const config = parse(readFileSync(new URL(`../../../config/${file}`, import.meta.url), 'utf8'));
      expect(validate(config), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    expect(validate({ queues: { q: { skills: {}, maxWait: 10, overflow: [{ hangup: true }], strategy: 'fastest' } } })).toBe(false);
  });

  it('example files carry the yaml-language-server modeline pointing at the schema', () => {
    for (const file of ['example-clinic.yaml', 'example-network.yaml']) {
      const first = readFileSync(new URL(`../../../config/${file}`, import.meta.url), 'utf8').split('\n')[0];
      expect(first).toBe('# yaml-language-server: $schema=../schema/pbx-router.schema.json');
    }
  });
});
