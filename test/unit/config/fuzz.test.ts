/**
 * A seeded fuzz of the loader: a few hundred malformed variants of the example configs (lines
 * deleted, duplicated, swapped; values replaced by other types, impossible times, unicode and
 * terminal escapes; alias typos and bombs; unknown keys; truncation; binary garbage). Each load
 * must return, never throw; take under 2 s; and locate every problem at a file:line:col that exists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../src/cli/demo.js';
import { compileSources } from '../../../src/config/index.js';
import { formatProblem, type Problem } from '../../../src/config/load.js';

const EXAMPLES = ['config/example-clinic.yaml', 'config/example-network.yaml'].map((path) => ({ path, text: readFileSync(path, 'utf8') }));
const VARIANTS_PER_EXAMPLE = 120;

const VALUES = [
  '', '~', 'null', 'true', '-1', '1e309', '99999999999999999999', '"08:00-08:00"', '"25:61-26:00"', '["24:00-08:00"]', '{}', '[]', '[[[[[]]]]]',
  '"\\e[2J\\e[31mred"', '"line\\r\\nx.yaml:1:1 fake"', '"\\u202eevil"', '"😀🏥"', "'^\\+(\\d+)+$'", "'(a)\\1'", '*nope', '&a x', '"PJSIP/{number}@c&PJSIP/1"',
  '!!binary aGVsbG8=', '!custom x', '"\\0\\a\\b"', 'x'.repeat(3000), '"+1900555010"', '{ goto: inbound }', '[{ goto: inbound }]', '"Mars/Olympus"', '? [a]',
];
const KEYS = ['unknown', 'goto', 'when', 'then', '__proto__', 'constructor', '<<', '"\\e]0;title\\a"', 'ical', 'pattern'];

type Mutation = (lines: string[], rand: () => number) => string[];
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const at = (rand: () => number, lines: readonly string[]) => Math.floor(rand() * lines.length);

const MUTATIONS: Record<string, Mutation> = {
  'delete a line': (l, r) => l.filter((_, i) => i !== at(r, l)),
  'duplicate a line': (l, r) => {
    const i = at(r, l);
    return [...l.slice(0, i + 1), l[i]!, ...l.slice(i + 1)];
  },
  'swap two lines': (l, r) => {
    const [i, j] = [at(r, l), at(r, l)];
    const out = [...l];
    [out[i], out[j]] = [out[j]!, out[i]!];
    return out;
  },
  'replace a value': (l, r) => {
    const i = at(r, l);
    return l.map((line, k) => (k === i ? line.replace(/:\s.*$/, `: ${pick(r, VALUES)}`) : line));
  },
  'add an unknown key': (l, r) => {
    const i = at(r, l);
    const indent = /^\s*/.exec(l[i]!)![0];
    return [...l.slice(0, i), `${indent}${pick(r, KEYS)}: ${pick(r, VALUES)}`, ...l.slice(i)];
  },
  'break the indentation': (l, r) => l.map((line, k) => (k === at(r, l) ? ` ${line}` : line)),
  'truncate': (l, r) => l.slice(0, at(r, l)),
  'alias a value': (l, r) => l.map((line, k) => (k === at(r, l) ? line.replace(/:\s(.+)$/, ': *$1') : line)),
  'alias bomb': (l) => [...l, 'x:', '  a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]', ...'bcdefgh'.split('').map((c, i) => `  ${c}: &${c} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`)],
  'goto loop': (l, r) => [...l, `  loop-${Math.floor(r() * 9)}:`, '    - name: Loop', `      when: ${pick(r, ['{ open: true }', '{}', '{ holiday: true }'])}`, '      then: [{ goto: inbound }]'],
  'control characters': (l, r) => l.map((line, k) => (k === at(r, l) ? `${line}\u001b[2J\r\u0000\u202e` : line)),
  'binary garbage': (l, r) => [...l.slice(0, at(r, l)), Array.from({ length: 200 }, () => String.fromCharCode(Math.floor(r() * 65536))).join('')],
  'deep nesting': (l) => [...l, `deep: ${'['.repeat(500)}${']'.repeat(500)}`],
  'repeat a block': (l, r) => {
    const i = at(r, l);
    return [...l.slice(0, i), ...Array(40).fill(l.slice(i, i + 8)).flat(), ...l.slice(i)];
  },
};

function variants(): { name: string; path: string; text: string }[] {
  const rand = seededRandom(17);
  const kinds = Object.keys(MUTATIONS);
  const out: { name: string; path: string; text: string }[] = [];
  for (const example of EXAMPLES) {
    for (let v = 0; v < VARIANTS_PER_EXAMPLE; v++) {
      let lines = example.text.split('\n');
      const applied: string[] = [];
      for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
        const kind = pick(rand, kinds);
        applied.push(kind);
        lines = MUTATIONS[kind]!(lines, rand);
      }
      out.push({ name: `${example.path} #${v} (${applied.join(', ')})`, path: example.path, text: lines.join('\n') });
    }
  }
  return out;
}

/** A problem that points at a line and column that exist in the file it names. */
function locatedIn(p: Problem, text: string, path: string): boolean {
  if (p.file !== path) return false;
  const lines = text.split(/\r\n|\n|\r/);
  return Number.isInteger(p.line) && Number.isInteger(p.col) && p.line >= 1 && p.col >= 1 && p.line <= lines.length + 1;
}

describe('the loader under fuzzing', () => {
  const all = variants();

  it(`${all.length} seeded variants of the example configs: no exception, no load over 2 s, every problem located and printable`, () => {
    const failures: string[] = [];
    let invalid = 0;
    for (const v of all) {
      const started = performance.now();
      let result;
      try {
        result = compileSources([{ path: v.path, text: v.text }]);
      } catch (e) {
        failures.push(`${v.name}: threw ${(e as Error).stack}`);
        continue;
      }
      const ms = performance.now() - started;
      if (ms > 2000) failures.push(`${v.name}: took ${Math.round(ms)} ms`);
      if (result.status === 'invalid') invalid++;
      if ((result.plan === null) !== (result.problems.length > 0)) failures.push(`${v.name}: a plan and problems, or neither`);
      for (const p of [...result.problems, ...result.warnings]) {
        const line = formatProblem(p);
        if (!locatedIn(p, v.text, v.path)) failures.push(`${v.name}: not located in the file: ${line}`);
        // eslint-disable-next-line no-control-regex
        if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/.test(line)) failures.push(`${v.name}: unprintable: ${JSON.stringify(line)}`);
      }
    }
    expect(failures).toEqual([]);
    // The mutations do break configs (a fuzzer that only made valid configs would test nothing).
    expect(invalid).toBeGreaterThan(all.length / 2);
  });
});
