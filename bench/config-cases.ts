/**
 * Generated configs for the config-loading benchmark: the example network repeated (a large but
 * well-formed config), and the shapes that once made loading quadratic or unbounded.
 */
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { NAMED_SECTIONS } from '../src/config/load.js';

const NETWORK = readFileSync(new URL('../config/example-network.yaml', import.meta.url), 'utf8');
const CLINIC = readFileSync(new URL('../config/example-clinic.yaml', import.meta.url), 'utf8');
const NETWORK_IDS = ['austin', 'houston', 'el-paso', 'weekdays-central', 'weekdays-central-late', 'weekdays-mountain', 'ana', 'ben', 'chloe', 'diego', 'elena', 'frank', 'network-desk', 'clinic-calls'];

/** The example network `copies` times over in one file: every id, number and rule set renamed per copy. */
export function repeatedNetwork(copies: number): string {
  const merged: Record<string, Record<string, unknown>> = {};
  let clinic: unknown;
  for (let k = 0; k < copies; k++) {
    let text = NETWORK;
    if (k > 0) {
      const ids = new RegExp(`\\b(${NETWORK_IDS.join('|')})\\b`, 'g');
      text = text
        .replace(ids, (id) => `${id}-${k}`)
        .replace(/^ {2}inbound:/m, `  inbound-${k}:`)
        .replace(/\+1(\d{3})555(\d{4})/g, (_, area: string, line: string) => `+1${area}${555 + k}${line}`)
        .replace(/PJSIP\/(\d+)/g, (_, phone: string) => `PJSIP/${k}${phone}`);
    }
    const cfg = parse(text) as Record<string, Record<string, unknown>>;
    clinic ??= cfg.clinic;
    for (const section of NAMED_SECTIONS) Object.assign((merged[section] ??= {}), cfg[section] ?? {});
  }
  return stringify({ version: 1, clinic, ...merged }, { lineWidth: 0 });
}

/** The example network repeated until the file reaches `bytes`. */
export function networkOfSize(bytes: number): { text: string; copies: number } {
  const one = repeatedNetwork(1).length;
  let copies = Math.max(1, Math.floor(bytes / one));
  let text = repeatedNetwork(copies);
  while (text.length < bytes) text = repeatedNetwork(++copies);
  return { text, copies };
}

/** The example network with its first schedule's closures read from an iCalendar "file" at `path`. */
export function networkWithIcal(path: string): string {
  return NETWORK.replace('holidays: { country: US, region: TX }', `ical: ${path}`);
}

/** The example clinic with `n` more rules in its entry rule set. */
export function manyRules(n: number): string {
  const rules = Array.from({ length: n }, (_, i) => `    - name: Rule ${i}\n      when: { caller: { in: ["+1512${String(5000000 + i)}"] } }\n      then: [{ queue: scheduling }]\n`).join('');
  return CLINIC.replace('routes:\n  inbound:\n', `routes:\n  inbound:\n${rules}`);
}

/** The example clinic with `n` unknown keys in one agent. */
export function unknownKeys(n: number): string {
  const keys = Array.from({ length: n }, (_, i) => `    unknown${i}: ${i}\n`).join('');
  return CLINIC.replace('  maria:\n', `  maria:\n${keys}`);
}

/** The example clinic with `n` more rule sets, each jumping to the next. */
export function manyRuleSets(n: number): string {
  const sets = Array.from({ length: n }, (_, i) => `  set-${i}:\n    - name: Next\n      when: { open: true }\n      then: [{ goto: set-${(i + 1) % n} }]\n    - name: Else\n      then: [{ queue: scheduling }]\n`).join('');
  const entry = '    - name: Night chain\n      when: { mode: night }\n      then: [{ goto: set-0 }]\n';
  return `${CLINIC.replace('routes:\n  inbound:\n', `routes:\n  inbound:\n${entry}`)}${sets}`;
}

/** Nine levels of aliases, each nine of the one before: 9^9 values if expanded. */
export function aliasBomb(): string {
  const letters = 'abcdefghij';
  let text = `${CLINIC}\nbomb:\n  a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]\n`;
  for (let i = 1; i < letters.length; i++) text += `  ${letters[i]}: &${letters[i]} [${Array(9).fill(`*${letters[i - 1]}`).join(', ')}]\n`;
  return text;
}
