/**
 * Structural validation with ajv against the JSON Schema, turning ajv's errors into problems that
 * say where (file:line:col) and what was expected, one per mistake.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigSchema, type Config } from './schema.js';
import type { ConfigPath, ParsedConfig, Problem } from './load.js';

const ajv = new Ajv({ allErrors: true, verbose: true, strict: false });
const check = ajv.compile<Config>(closeRecords(ConfigSchema));

/**
 * TypeBox's Record leaves keys that match no pattern allowed; a map keyed by id (or digit, language,
 * skill) must reject them, so that `Front Desk:` or option `"10"` is an error and not silently ignored.
 */
function closeRecords<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map((s) => closeRecords(s)) as T;
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) out[k] = closeRecords(v);
  if (out.patternProperties !== undefined && out.additionalProperties === undefined) out.additionalProperties = false;
  return out as T;
}

/** Checks the merged configuration against the schema; returns every structural problem. */
export function structureProblems(parsed: ParsedConfig): Problem[] {
  if (check(parsed.raw)) return [];
  const errors = check.errors ?? [];
  // A failed anyOf reports each branch; report the union once, in its own words.
  const unions = errors.filter((e) => e.keyword === 'anyOf');
  const insideUnion = (e: ErrorObject) =>
    e.keyword !== 'anyOf' &&
    unions.some((u) => e.schemaPath.startsWith(u.schemaPath.replace(/\/anyOf$/, '/anyOf/')) && e.instancePath.startsWith(u.instancePath));
  const seen = new Set<string>();
  const problems: Problem[] = [];
  // A literal (`hangup: true`) fails both `type` and `const`; the const says it better.
  const constAt = new Set(errors.filter((e) => e.keyword === 'const').map((e) => e.instancePath));
  for (const e of errors) {
    if (insideUnion(e)) continue;
    if (e.keyword === 'type' && constAt.has(e.instancePath)) continue;
    const { path, key, message } = describe(e);
    const at = parsed.locate(path, key);
    const id = `${at.file}:${at.line}:${at.col}:${message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    problems.push({ ...at, code: 'schema', message });
  }
  return problems;
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
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
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
      return { path, key: false, message: `${at} is missing '${prop}' (expected ${expectedOf(sub)})` };
    }
    case 'additionalProperties': {
      const prop = (e.params as { additionalProperty: string }).additionalProperty;
      const full = [...path, prop];
      if (parent?.patternProperties) {
        const inner = Object.values(parent.patternProperties)[0];
        const isId = Object.keys(parent.patternProperties)[0]?.startsWith('^[a-z0-9]');
        return {
          path: full,
          key: true,
          message: isId
            ? `'${prop}' in ${at} is not a valid id (expected lower-case letters, digits, - and _)`
            : `'${prop}' in ${at} is not a valid key (expected ${expectedOf(inner)})`,
        };
      }
      const allowed = Object.keys(parent?.properties ?? {}).filter((k) => k !== '$schema');
      const what = path.length === 0 ? 'section' : 'key';
      return { path: full, key: true, message: `unknown ${what} '${prop}' in ${at} (expected one of: ${allowed.join(', ')})` };
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
              : `${at} has ${found.length} actions (${found.join(', ')}); write each action as its own list item`,
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
      return { path, key: false, message: `${at} is ${typeOf(e.data)} (expected ${(e.params as { type: string }).type === 'object' ? 'a map' : (e.params as { type: string }).type === 'array' ? 'a list' : `a ${(e.params as { type: string }).type}`}${parent?.description ? `: ${expectedOf(parent)}` : ''})` };
    case 'minimum':
    case 'maximum':
    case 'minItems':
    case 'maxItems':
    case 'minLength':
      return { path, key: false, message: `${at} is ${typeOf(e.data)} (${e.message ?? 'out of range'})` };
    default:
      return { path, key: false, message: `${at}: ${e.message ?? 'invalid'}` };
  }
}
