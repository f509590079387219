/**
 * Checks on a parsed YAML document before it becomes JavaScript values, so that turning it into
 * values cannot throw or explode: every alias names an anchor defined before it and outside
 * itself, aliases add a bounded number of values (no alias bomb), nesting is bounded, and keys of
 * a map are unique (checked here in linear time; the yaml package's own check is quadratic).
 */
import { isAlias, isMap, isPair, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { LoadLimits } from './limits.js';

export interface YamlIssue {
  /** Offset in the source text. */
  readonly offset: number;
  readonly code: string;
  readonly message: string;
}

/** Values that aliases may add beyond those written out (a clinic uses a handful of aliases). */
const MAX_ALIAS_EXPANSION = 100_000;

/** Every reason the document cannot safely be turned into values, plus duplicate keys. */
export function documentIssues(doc: Document, limits: LoadLimits): YamlIssue[] {
  const issues: YamlIssue[] = [];
  /** Expanded size of each anchored node, once its subtree is complete. */
  const anchors = new Map<string, number>();
  let aliases = 0;
  let written = 0;
  let tooDeep = false;

  const walk = (node: unknown, depth: number, open: ReadonlySet<string>): number => {
    if (!node || typeof node !== 'object') return 0;
    written++;
    if (isAlias(node)) {
      aliases++;
      const at = node.range?.[0] ?? 0;
      if (aliases === limits.aliases + 1) {
        issues.push({ offset: at, code: 'yaml-limit', message: `more than ${limits.aliases} aliases (*name) in one file; write the values out` });
      }
      const size = anchors.get(node.source);
      if (size !== undefined) return size;
      const why = open.has(node.source)
        ? `alias *${node.source} is inside the value anchored &${node.source} and would contain itself`
        : `alias *${node.source} has no anchor &${node.source} before it (define &${node.source} on an earlier value, or check the spelling)`;
      issues.push({ offset: at, code: 'yaml-alias', message: why });
      return 1;
    }
    const n = node as Node & { anchor?: string };
    if (depth > limits.depth) {
      if (!tooDeep) issues.push({ offset: n.range?.[0] ?? 0, code: 'yaml-limit', message: `maps and lists are nested more than ${limits.depth} deep here; a routing config needs fewer than 10 levels` });
      tooDeep = true;
      return 1;
    }
    const inside = n.anchor ? new Set([...open, n.anchor]) : open;
    let size = 1;
    if (isMap(n)) {
      const keys = new Set<string>();
      for (const pair of n.items) {
        if (!isPair(pair)) continue;
        if (isScalar(pair.key)) {
          const k = String(pair.key.value);
          if (keys.has(k)) issues.push({ offset: pair.key.range?.[0] ?? 0, code: 'yaml-syntax', message: `duplicate key '${k}': keys of a map must be unique (merge the two entries into one)` });
          keys.add(k);
        }
        size += walk(pair.key, depth + 1, inside) + walk(pair.value, depth + 1, inside);
      }
    } else if (isSeq(n)) {
      for (const item of n.items) size += walk(item, depth + 1, inside);
    }
    if (n.anchor) anchors.set(n.anchor, size);
    return size;
  };

  const expanded = walk(doc.contents, 0, new Set());
  if (expanded - written > MAX_ALIAS_EXPANSION) {
    issues.push({
      offset: firstAlias(doc) ?? 0,
      code: 'yaml-limit',
      message: `the aliases of this file expand to ${expanded - written} more values than are written, more than the ${MAX_ALIAS_EXPANSION} allowed (aliases of aliases multiply); write the values out`,
    });
  }
  return issues;
}

function firstAlias(doc: Document): number | undefined {
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isAlias(node)) return node.range?.[0];
    if (isMap(node)) for (const p of node.items) stack.push(p.value, p.key);
    else if (isSeq(node)) for (const i of node.items) stack.push(i);
  }
  return undefined;
}
