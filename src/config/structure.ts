/**
 * Structural validation with ajv against the JSON Schema, turning ajv's errors into problems that
 * say where (file:line:col) and what was expected, one per mistake.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { CLOSED_CONFIG_SCHEMA, type Config } from './schema.js';
import type { ConfigPath, ParsedConfig, Problem } from './load.js';
import { printable } from './printable.js';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
const check = ajv.compile<Config>(CLOSED_CONFIG_SCHEMA);

/**
 * Checks the merged configuration against the schema; returns every structural problem, at most
 * `max` of them described (a file of 16,000 unknown keys is 16,000 errors) and how many more there are.
 */
export function structureProblems(parsed: ParsedConfig, max = Infinity): { problems: Problem[]; omitted: number } {
  if (check(parsed.raw)) return { problems: [], omitted: 0 };
  const errors = check.errors ?? [];
  // A failed anyOf reports each branch; report the union once, in its own words. Unions are
  // indexed by where they failed, so each error looks only at its own ancestors (linear, not errors x unions).
  const unions = new Map<string, string[]>();
  for (const u of errors) {
    if (u.keyword !== 'anyOf') continue;
    const list = unions.get(u.instancePath) ?? [];
    list.push(u.schemaPath.replace(/\/anyOf$/, '/anyOf/'));
    unions.set(u.instancePath, list);
  }
  const insideUnion = (e: ErrorObject) => {
    if (e.keyword === 'anyOf' || unions.size === 0) return false;
    for (let at = e.instancePath; ; at = at.slice(0, at.lastIndexOf('/'))) {
      if (unions.get(at)?.some((prefix) => e.schemaPath.startsWith(prefix))) return true;
      if (at === '') return false;
    }
  };
  const seen = new Set<string>();
  const problems: Problem[] = [];
  // A literal (`hangup: true`) fails both `type` and `const`; the const says it better.
  const constAt = new Set(errors.filter((e) => e.keyword === 'const').map((e) => e.instancePath));
  let omitted = 0;
  for (const e of errors) {
    if (insideUnion(e)) continue;
    if (e.keyword === 'type' && constAt.has(e.instancePath)) continue;
    if (problems.length >= max) {
      omitted++;
      continue;
    }
    const { path, key, message } = describe(e);
    const at = parsed.locate(path, key);
    const id = `${at.file}:${at.line}:${at.col}:${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push({ ...at, code: 'schema', message });
  }
  return { problems, omitted };
}

/** The allowed name a typo most likely meant (edit distance at most 2, or a different case), if any. */
function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const w = word.toLowerCase();
    const n = name.toLowerCase();
    const d = n === w ? 0 : n.length >= 3 && w.startsWith(n) ? 1 : distance(w, n);
    if (d < bestDistance && d < Math.max(2, name.length / 2)) [best, bestDistance] = [name, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function toPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function where(path: ConfigPath): string {
  if (path.length === 0) return 'the file';
  return printable(path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '['), 120);
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${printable(v, 60)}'`;
  // A whole subtree can be large: never stringify more than a peek of it.
  if (typeof v === 'object' && v !== null) return Array.isArray(v) ? `a list of ${v.length}` : 'a map';
  return printable(String(v), 60);
}

function typeOf(v: unknown): string {
  if (v === null) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return show(v);
  return `${typeof v} ${show(v)}`;
}

interface SchemaLike {
  description?: string;
  properties?: Record<string, unknown>;
  patternProperties?: Record<string, SchemaLike>;
  anyOf?: SchemaLike[];
  const?: unknown;
  type?: string;
}

/** Maps keyed by something other than an id, in words. */
const KEY_PATTERNS: Record<string, string> = {
  '^[0-9*#]$': 'one key of the phone pad: a digit 0-9, * or #',
  '^[0-9]$': 'a single digit 0-9',
  '^[a-z]{2}(-[A-Z]{2})?$': 'a language code such as en or es',
  '^[a-z][a-z0-9_-]*$': 'a skill name: lower-case letters, digits, - and _, starting with a letter',
};

function expectedOf(schema: SchemaLike | undefined): string {
  if (!schema) return 'a valid value';
  if (schema.anyOf && schema.anyOf.every((s) => 'const' in s)) return `one of ${schema.anyOf.map((s) => show(s.const)).join(', ')}`;
  if (schema.description) return /^[A-Z][a-z ]/.test(schema.description) ? schema.description.charAt(0).toLowerCase() + schema.description.slice(1) : schema.description;
  if (schema.anyOf) return schema.anyOf.map((s) => expectedOf(s)).join(', or ');
  if (schema.type === 'object') return 'a map';
  if (schema.type === 'array') return 'a list';
  return schema.type ? `a ${schema.type}` : 'a valid value';
}

function describe(e: ErrorObject): { path: ConfigPath; key: boolean; message: string } {
  const path = toPath(e.instancePath);
  const at = where(path);
  const parent = e.parentSchema as SchemaLike | undefined;
  switch (e.keyword) {
    case 'required': {
      const prop = (e.params as { missingProperty: string }).missingProperty;
      const sub = parent?.properties?.[prop] as SchemaLike | undefined;
      return { path, key: path.length > 0, message: `${at} is missing '${prop}' (expected ${expectedOf(sub)})` };
    }
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      const full = [...path, prop];
      const shownProp = printable(prop, 60);
      if (parent?.patternProperties) {
        const pattern = Object.keys(parent.patternProperties)[0] ?? '';
        const isId = pattern.startsWith('^[a-z0-9]');
        return {
          path: full,
          key: true,
          message: isId
            ? `'${shownProp}' in ${at} is not a valid id (expected lower-case letters, digits, - and _)`
            : `'${shownProp}' in ${at} is not a valid key (expected ${KEY_PATTERNS[pattern] ?? `a key matching ${pattern}`})`,
        };
      }
      const allowed = Object.keys(parent?.properties ?? {}).filter((k) => k !== '$schema');
      const what = path.length === 0 ? 'section' : parent?.description?.startsWith('One action') ? 'action' : 'key';
      const near = prop.length <= 40 ? closest(prop, allowed) : undefined;
      const hint = near ? `; did you mean '${near}'?` : '';
      return { path: full, key: true, message: `unknown ${what} '${shownProp}' in ${at}${hint} (expected one of: ${allowed.join(', ')})` };
    }
    case 'maxProperties':
    case 'minProperties': {
      const keys = Object.keys(parent?.properties ?? {});
      if (parent?.description?.startsWith('One action')) {
        const found = Object.keys((e.data as object) ?? {});
        return {
          path,
          key: false,
          message:
            found.length === 0
              ? `${at} is an empty action (expected exactly one of: ${keys.join(', ')})`
              : `${at} has ${found.length} actions (${found.slice(0, 6).map((k) => printable(k, 30)).join(', ')}${found.length > 6 ? ', ...' : ''}); write each action as its own list item`,
        };
      }
      return { path, key: false, message: `${at} ${e.message ?? 'has the wrong number of keys'} (expected at least one of: ${keys.join(', ')})` };
    }
    case 'anyOf':
      return { path, key: false, message: `${at} is ${typeOf(e.data)} (expected ${expectedOf(parent)})` };
    case 'const':
      return { path, key: false, message: `${at} is ${typeOf(e.data)} (expected ${show((e.params as { allowedValue: unknown }).allowedValue)})` };
    case 'pattern':
      return { path, key: false, message: `${at} is ${show(e.data)} (expected ${expectedOf(parent)})` };
    case 'type':
    {
      const type = (e.params as { type: string }).type;
      const want = type === 'object' ? 'a map' : type === 'array' ? 'a list' : type === 'integer' ? 'an integer' : `a ${type}`;
      return { path, key: false, message: `${at} is ${typeOf(e.data)} (expected ${want}${parent?.description ? `: ${expectedOf(parent)}` : ''})` };
    }
    case 'minimum':
    case 'maximum':
    case 'minItems':
    case 'maxItems': {
      const limit = (e.params as { limit: number }).limit;
      const n = Array.isArray(e.data) ? e.data.length : 0;
      const got = n === 0 ? 'an empty list' : `a list of ${n} item${n === 1 ? '' : 's'}`;
      return { path, key: false, message: `${at} is ${got} (expected ${e.keyword === 'minItems' ? 'at least' : 'at most'} ${limit} item${limit === 1 ? '' : 's'})` };
    }
    case 'minLength':
      return { path, key: false, message: `${at} is ${typeOf(e.data)} (${e.message ?? 'out of range'})` };
    default:
      return { path, key: false, message: `${at}: ${e.message ?? 'invalid'}` };
  }
}
