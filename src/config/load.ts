/**
 * Reading a configuration: one YAML file or a folder of them, merged into one object, with a map
 * from any path inside it back to file, line and column so every problem can say where it is.
 */
import { dirname, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import { LIMITS, type LoadLimits } from './limits.js';
import { printable } from './printable.js';
import type { Source } from './read.js';
import { documentIssues } from './yaml-checks.js';

export type { Source } from './read.js';

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** An error makes a config invalid; a warning is printed but the config is used. */
export type Severity = 'error' | 'warning';

/** A problem found in a configuration, with where it is. */
export interface Problem extends Location {
  readonly code: string;
  readonly message: string;
  /** Absent means error. */
  readonly severity?: Severity;
}

export type ConfigPath = readonly (string | number)[];

export interface ParsedConfig {
  /** The merged configuration, not yet validated. */
  readonly raw: Record<string, unknown>;
  readonly sources: readonly Source[];
  readonly problems: Problem[];
  /** Where a path of the merged configuration is written; `key` points at the key rather than the value. */
  locate(path: ConfigPath, key?: boolean): Location;
  /** The folder of the file that defines a path, for paths inside the config (e.g. an iCalendar file). */
  dirOf(path: ConfigPath): string;
}

/** Sections whose entries are named (maps keyed by id) and may be spread over several files. */
export const NAMED_SECTIONS = [
  'sites',
  'schedules',
  'agents',
  'queues',
  'menus',
  'rosters',
  'mailboxes',
  'ringGroups',
  'callbacks',
  'routes',
  'prompts',
] as const;
const named = new Set<string>(NAMED_SECTIONS);

interface ParsedSource {
  readonly source: Source;
  readonly doc: Document;
  readonly lines: LineCounter;
  /** Free of syntax errors and safe to turn into values. */
  readonly usable: boolean;
}

/** Parses and merges sources; YAML syntax errors and duplicate definitions become problems. */
export function parseSources(sources: readonly Source[], displayBase = process.cwd(), limits: LoadLimits = LIMITS): ParsedConfig {
  const problems: Problem[] = [];
  const parsed: ParsedSource[] = [];
  const display = (p: string) => {
    const rel = relative(displayBase, p);
    return rel.startsWith('..') ? p : rel;
  };
  for (const source of sources) {
    const lines = new LineCounter();
    // Keys are checked for uniqueness by documentIssues, in linear time.
    const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
    for (const err of doc.errors.slice(0, limits.problems)) {
      // Point at the offending text, not at the indentation before it.
      let at = err.pos[0];
      while (source.text[at] === ' ') at++;
      let pos = lines.linePos(at);
      const dup = err.code === 'DUPLICATE_KEY' ? /^["']?([^"':\n]+)/.exec(source.text.slice(at))?.[1]?.trim() : undefined;
      let message = dup ? `duplicate key '${dup}': keys of a map must be unique (merge the two entries into one)` : firstLine(err.message);
      // An unclosed [ or { is noticed only at the next key; point at the bracket that is still open.
      const open = /^Flow (sequence|map) in block collection/.test(err.message) ? unclosedBracket(source.text, at) : undefined;
      if (open !== undefined) {
        const [closer, what] = source.text[open] === '[' ? [']', 'list'] : ['}', 'map'];
        message = `this ${source.text[open]} is not closed before line ${pos.line} (expected a ${closer} to end the ${what}; lines inside it must be indented more than its key)`;
        pos = lines.linePos(open);
      }
      problems.push({ file: display(source.path), line: pos.line, col: pos.col, code: 'yaml-syntax', message });
    }
    const issues = doc.errors.length === 0 ? documentIssues(doc, limits) : [];
    for (const issue of issues.slice(0, limits.problems)) {
      const pos = lines.linePos(issue.offset);
      problems.push({ file: display(source.path), line: pos.line, col: pos.col, code: issue.code, message: issue.message });
    }
    parsed.push({ source, doc, lines, usable: doc.errors.length === 0 && issues.length === 0 });
  }

  const raw: Record<string, unknown> = {};
  /** "section" or "section/id" -> index into parsed. */
  const origin = new Map<string, number>();
  parsed.forEach((p, i) => {
    if (!p.usable) return;
    let value: unknown;
    try {
      // Aliases were bounded by documentIssues; the yaml package's own count would refuse a
      // config that uses one anchor more than 100 times.
      value = p.doc.toJS({ maxAliasCount: -1 });
    } catch (e) {
      const pos = p.lines.linePos(p.doc.contents?.range?.[0] ?? 0);
      problems.push({ file: display(p.source.path), line: pos.line, col: pos.col, code: 'yaml-syntax', message: `the YAML cannot be read: ${firstLine((e as Error).message)}` });
      return;
    }
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      const pos = p.lines.linePos(p.doc.contents?.range?.[0] ?? 0);
      problems.push({ file: display(p.source.path), line: pos.line, col: pos.col, code: 'not-a-map', message: 'expected a map of sections (sites, schedules, agents, queues, menus, routes, ...) at the top of the file' });
      return;
    }
    for (const [section, content] of Object.entries(value as Record<string, unknown>)) {
      if (named.has(section) && isPlainObject(content)) {
        if (!Object.hasOwn(raw, section)) put(raw, section, {});
        const target = raw[section] as Record<string, unknown>;
        if (!origin.has(section)) origin.set(section, i);
        for (const [id, entry] of Object.entries(content)) {
          const key = `${section}/${id}`;
          const first = origin.get(key);
          if (first !== undefined) {
            const at = locateIn(p, [section, id], true);
            problems.push({ file: display(p.source.path), ...at, code: 'duplicate-id', message: `${section}.${id} is already defined in ${display(parsed[first]!.source.path)}; ids must be unique across the folder` });
            continue;
          }
          origin.set(key, i);
          put(target, id, entry);
        }
        continue;
      }
      const first = origin.get(section);
      if (first !== undefined && section !== '$schema' && section !== 'version') {
        const at = locateIn(p, [section], true);
        problems.push({ file: display(p.source.path), ...at, code: 'duplicate-section', message: `'${section}' is already defined in ${display(parsed[first]!.source.path)}; define it in one file only` });
        continue;
      }
      if (first === undefined) origin.set(section, i);
      put(raw, section, content);
    }
  });

  const fileFor = (path: ConfigPath): ParsedSource | undefined => {
    if (path.length >= 2) {
      const i = origin.get(`${String(path[0])}/${String(path[1])}`);
      if (i !== undefined) return parsed[i];
    }
    if (path.length >= 1) {
      const i = origin.get(String(path[0]));
      if (i !== undefined) return parsed[i];
    }
    return parsed[0];
  };

  return {
    raw,
    sources,
    problems,
    locate(path, key = false) {
      const p = fileFor(path);
      if (!p) return { file: '(no file)', line: 1, col: 1 };
      return { file: display(p.source.path), ...locateIn(p, path, key) };
    },
    dirOf(path) {
      const p = fileFor(path);
      return p ? dirname(p.source.path) : process.cwd();
    },
  };
}

/** Line and column of a path in one document: the deepest node that exists on the way. */
function locateIn(p: ParsedSource, path: ConfigPath, key: boolean): { line: number; col: number } {
  let node: Node | null | undefined = p.doc.contents as Node | null;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < path.length && node; i++) {
    const step = path[i]!;
    if (isMap(node)) {
      const pair = keyIndex(node).get(String(step));
      if (!pair) break;
      const last = i === path.length - 1;
      if (last && key && isScalar(pair.key)) {
        offset = pair.key.range?.[0] ?? offset;
        node = null;
        break;
      }
      node = pair.value as Node | null;
      offset = node?.range?.[0] ?? (isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset);
    } else if (isSeq(node)) {
      const item = node.items[Number(step)] as Node | undefined;
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else break;
  }
  const pos = p.lines.linePos(offset);
  return { line: pos.line, col: pos.col };
}

/** The offset of the last [ or { before `end` that is still open, skipping quoted text and comments. */
function unclosedBracket(text: string, end: number): number | undefined {
  const stack: number[] = [];
  let prev = '\n';
  for (let i = 0; i < end; i++) {
    const c = text[i]!;
    if ((c === '"' || c === "'") && /[\s:[{,-]/.test(prev)) {
      const close = c === '"' ? /(?<!\\)"/g : /'/g;
      close.lastIndex = i + 1;
      const m = close.exec(text);
      if (!m || m.index >= end) break;
      i = m.index;
    } else if (c === '#' && /\s/.test(prev)) {
      const nl = text.indexOf('\n', i);
      if (nl < 0 || nl >= end) break;
      i = nl;
    } else if (c === '[' || c === '{') stack.push(i);
    else if (c === ']' || c === '}') stack.pop();
    prev = text[i]!;
  }
  return stack.at(-1);
}

/** Sets a key as an own property, even `__proto__` (which would otherwise replace the prototype). */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();

/** The pairs of a map by key, built once per map: locating thousands of problems stays linear. */
function keyIndex(node: YAMLMap): Map<string, Pair> {
  let index = indexes.get(node);
  if (index) return index;
  index = new Map();
  for (const it of node.items as Pair[]) {
    if (!isScalar(it.key)) continue;
    const k = String(it.key.value);
    if (!index.has(k)) index.set(k, it);
  }
  indexes.set(node, index);
  return index;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** Renders a problem as `file:line:col message` (`file:line:col warning: message` for a warning), printable on one line. */
export function formatProblem(p: Problem): string {
  return `${printable(p.file, 300)}:${p.line}:${p.col} ${p.severity === 'warning' ? 'warning: ' : ''}${printable(p.message, 1000)}`;
}
