/** Menus that trap the caller: no way out at all, or none for a caller who presses nothing. */
import type { ActionConfig, Config, MenuConfig } from './schema.js';
import type { ConfigPath } from './load.js';
import { listed } from './printable.js';

const DESTINATIONS = new Set(['menu', 'queue', 'agent', 'ringGroup', 'forward', 'voicemail', 'callback', 'hangup', 'goto']);

/** Destinations reachable from a menu's exits: other menus, or 'out' for anything that leaves the menus. */
function exits(m: MenuConfig, which: 'all' | 'timeout'): Set<string> {
  const lists = which === 'timeout' ? [m.onTimeout] : [...Object.values(m.options), m.onInvalid, m.onTimeout];
  const out = new Set<string>();
  for (const list of lists) {
    const terminal = list.find((a: ActionConfig) => DESTINATIONS.has(Object.keys(a)[0] ?? ''));
    out.add(terminal?.menu ?? 'out');
  }
  return out;
}

/** Reports each menu that loops with no way out, or that a silent caller can never leave. */
export function menuTraps(cfg: Config, add: (path: ConfigPath, code: string, message: string, key?: boolean) => void) {
  const menus = cfg.menus ?? {};
  const next = (which: 'all' | 'timeout') => new Map(Object.entries(menus).map(([id, m]) => [id, exits(m, which)]));
  const allExits = next('all');
  const timeoutExits = next('timeout');
  /** Menus from which some path of these exits leaves the menus: a reverse search from the exits, linear. */
  const leaving = (graph: ReadonlyMap<string, Set<string>>): Set<string> => {
    const into = new Map<string, string[]>();
    const found = new Set<string>();
    for (const [id, outs] of graph) {
      for (const to of outs) {
        if (to === 'out' || !menus[to]) found.add(id);
        else if (into.has(to)) into.get(to)!.push(id);
        else into.set(to, [id]);
      }
    }
    const stack = [...found];
    while (stack.length) {
      for (const from of into.get(stack.pop()!) ?? []) {
        if (!found.has(from)) {
          found.add(from);
          stack.push(from);
        }
      }
    }
    return found;
  };
  const leavesAll = leaving(allExits);
  const leavesTimeout = leaving(timeoutExits);
  for (const id of Object.keys(menus)) {
    if (!leavesAll.has(id)) {
      add(['menus', id], 'menu-loop', `menu ${id} loops with no way out: every option, invalid entry and timeout leads only to menus (${listed(reach(id, allExits))}), none of which lets the call leave`, true);
    } else if (!leavesTimeout.has(id)) {
      add(['menus', id, 'onTimeout'], 'menu-loop', `menu ${id}: a caller who presses nothing is sent from menu to menu for ever; let onTimeout end somewhere (e.g. a queue or voicemail)`);
    }
  }
}

/** The menus reachable from `start` (at most 11, enough to name them in a message). */
function reach(start: string, graph: ReadonlyMap<string, Set<string>>): string[] {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length && seen.size <= 10) {
    const id = stack.pop()!;
    if (seen.has(id) || !graph.has(id)) continue;
    seen.add(id);
    for (const to of graph.get(id)!) stack.push(to);
  }
  return [...seen];
}
