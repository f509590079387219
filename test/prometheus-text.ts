/**
 * A strict reader of the Prometheus text format 0.0.4, for tests: every sample must belong to a
 * family declared by `# TYPE` before it, labels must be well formed, values must be numbers, and a
 * histogram's buckets must not decrease and end with +Inf equal to its _count. Throws on the first
 * violation with the line. Also runs Prometheus' own `promtool check metrics` when it is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Family {
  readonly type: string;
  help: string;
  readonly samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\["\\n])*)"(?:,|$)/;
const SUFFIXES: Readonly<Record<string, readonly string[]>> = { histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'], counter: [''], gauge: [''], untyped: [''] };

function labels(text: string | undefined, line: string): Record<string, string> {
  const out: Record<string, string> = {};
  let rest = text ?? '';
  while (rest.length > 0) {
    const m = LABEL.exec(rest);
    if (!m) throw new Error(`bad labels in: ${line}`);
    if (m[1]! in out) throw new Error(`label ${m[1]} twice in: ${line}`);
    out[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    rest = rest.slice(m[0].length);
  }
  return out;
}

/** Parses and checks the exposition; families by name. */
export function parsePrometheus(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name: ${line}`);
      if (kind === 'TYPE') {
        if (!(rest in SUFFIXES)) throw new Error(`unknown type: ${line}`);
        if (families.has(name) && families.get(name)!.samples.length > 0) throw new Error(`TYPE after samples: ${line}`);
        families.set(name, { type: rest, help: families.get(name)?.help ?? '', samples: [] });
      } else {
        const f = families.get(name);
        if (f) f.help = rest;
        else families.set(name, { type: 'untyped', help: rest, samples: [] });
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample: ${line}`);
    const value = Number(/^nan$/i.test(m[3]!) ? 'NaN' : m[3]!.replace(/^\+?Inf$/i, 'Infinity'));
    if (Number.isNaN(value) && !/^nan$/i.test(m[3]!)) throw new Error(`bad value: ${line}`);
    const family = [...families.entries()].find(([name, f]) => SUFFIXES[f.type]!.some((s) => `${name}${s}` === m[1]));
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    family[1].samples.push({ name: m[1]!, labels: labels(m[2], line), value });
  }
  for (const [name, f] of families) if (f.type === 'histogram') checkHistogram(name, f);
  return families;
}

function checkHistogram(name: string, f: Family): void {
  const series = new Map<string, Sample[]>();
  const key = (l: Readonly<Record<string, string>>) => JSON.stringify(Object.entries(l).filter(([k]) => k !== 'le').sort());
  for (const s of f.samples.filter((x) => x.name === `${name}_bucket`)) series.set(key(s.labels), [...(series.get(key(s.labels)) ?? []), s]);
  for (const [k, buckets] of series) {
    for (let i = 1; i < buckets.length; i++) if (buckets[i]!.value < buckets[i - 1]!.value) throw new Error(`${name}${k}: buckets decrease`);
    const last = buckets.at(-1)!;
    if (last.labels.le !== '+Inf') throw new Error(`${name}${k}: no +Inf bucket last`);
    const count = f.samples.find((s) => s.name === `${name}_count` && key(s.labels) === k);
    if (count?.value !== last.value) throw new Error(`${name}${k}: +Inf bucket ${last.value} differs from _count ${count?.value}`);
  }
}

/** One sample's value (labels must match exactly), or undefined. */
export function value(families: Map<string, Family>, sample: string, want: Readonly<Record<string, string>> = {}): number | undefined {
  for (const f of families.values()) {
    const s = f.samples.find((x) => x.name === sample && JSON.stringify(Object.entries(x.labels).sort()) === JSON.stringify(Object.entries(want).sort()));
    if (s) return s.value;
  }
  return undefined;
}

/** Where promtool is (Debian's `prometheus` package), or null. */
export function promtool(): string | null {
  const path = process.env.PROMTOOL ?? '/usr/bin/promtool';
  return existsSync(path) ? path : null;
}

/** `promtool check metrics` on the text: its exit code and what it printed. */
export function promtoolCheck(path: string, text: string): { code: number; output: string } {
  const r = spawnSync(path, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}
