/** Reading generated Asterisk config files in tests. */

export type Section = { name: string; lines: [string, string][] };

/** Asterisk config text as sections in file order (a name may repeat: pjsip endpoint, auth, aor, identify). */
export function sections(text: string): Section[] {
  const out: Section[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(?<!\\);.*$/, '').trim();
    if (!line || line.startsWith('#')) continue;
    const head = /^\[([^\]]+)\]/.exec(line);
    if (head) out.push({ name: head[1]!, lines: [] });
    const kv = /^([^=]+?)\s*=>?\s*(.*)$/.exec(line);
    if (!head && kv) out.at(-1)?.lines.push([kv[1]!.trim(), kv[2]!.trim()]);
  }
  return out;
}
