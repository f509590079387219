/**
 * Reading a configuration: one YAML file or a folder of them, merged into one object, with a map
 * from any path inside it back to file, line and column so every problem can say where it is.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';

export interface Source {
  readonly path: string;
  readonly text: string;
}

export interface Location {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A problem found in a configuration, with where it is. */
export interface Problem extends Location {
  readonly code: string;
  readonly message: string;
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

/** Reads a config file, or every *.yaml / *.yml file of a folder in name order. */
export function readSources(path: string): Source[] {
  const stat = statSync(path);
  if (!stat.isDirectory()) return [{ path, text: readFileSync(path, 'utf8') }];
  return readdirSync(path)
    .filter((f) => /\.ya?ml$/.test(f) && !/\.(scenarios|test|agents)\.ya?ml$/.test(f))
    .sort()
    .map((f) => ({ path: join(path, f), text: readFileSync(join(path, f), 'utf8') }));
}

interface ParsedSource {
  readonly source: Source;
  readonly doc: Document;
  readonly lines: LineCounter;
}

/** Parses and merges sources; YAML syntax errors and duplicate definitions become problems. */
export function parseSources(sources: readonly Source[], displayBase = process.cwd()): ParsedConfig {
  const problems: Problem[] = [];
  const parsed: ParsedSource[] = [];
  const display = (p: string) => {
    const rel = relative(displayBase, p);
    return rel.startsWith('..') ? p : rel;
  };
  for (const source of sources) {
    const lines = new LineCounter();
    const doc = parseDocument(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    for (const err of doc.errors) {
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
    parsed.push({ source, doc, lines });
  }

  const raw: Record<string, unknown> = {};
  /** "section" or "section/id" -> index into parsed. */
  const origin = new Map<string, number>();
  parsed.forEach((p, i) => {
    if (p.doc.errors.length > 0) return;
    const value: unknown = p.doc.toJS();
    if (value === null || value === undefined) return;
    if (typeof value !== 'object' || Array.isArray(value)) {
      const pos = p.lines.linePos(p.doc.contents?.range?.[0] ?? 0);
      problems.push({ file: display(p.source.path), line: pos.line, col: pos.col, code: 'not-a-map', message: 'expected a map of sections (sites, schedules, agents, queues, menus, routes, ...) at the top of the file' });
      return;
    }
    for (const [section, content] of Object.entries(value as Record<string, unknown>)) {
      if (named.has(section) && isPlainObject(content)) {
        const target = (raw[section] ??= {}) as Record<string, unknown>;
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
          target[id] = entry;
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
      raw[section] = content;
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
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(step));
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/** A short display name for a config path given on the command line. */
export function configName(path: string): string {
  return basename(path);
}

/** Renders a problem as `file:line:col message`. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col} ${p.message}`;
}
