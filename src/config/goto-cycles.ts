/**
 * Rule sets that send a call round in a circle (goto, or a site action into the site's rule set)
 * make every such call run into the engine's 200-step guard and end at the failsafe. Every cycle
 * reachable from the entry rule set is found, whatever the conditions on the way: a cycle that
 * every call entering it goes round is an error; one that conditions can break is a warning.
 */
import type { ActionConfig, Config, RuleConfig } from './schema.js';
import type { ConfigPath } from './load.js';
import type { SemanticIssue } from './semantic.js';
import { printable } from './printable.js';

interface Edge {
  readonly to: string;
  /** Where the goto (or site action) is written. */
  readonly path: ConfigPath;
  /** The rule that takes it, in words: 'After hours' in inbound. */
  readonly label: string;
  /** Every call that enters the rule set leaves it through this edge. */
  readonly certain: boolean;
}

const LEAVES = new Set(['menu', 'queue', 'agent', 'ringGroup', 'forward', 'voicemail', 'callback', 'hangup']);
/**
 * A site action by did or caller-area can choose any site: one node stands for that choice, with
 * an edge to each site rule set, so that the graph stays linear in the config and not rules x sites.
 */
const ANY_SITE = '\u0000any-site';

interface SiteRoutes {
  /** Each distinct rule set of a site, with the first site that names it. */
  readonly routes: ReadonlyMap<string, string>;
  /** Every site has a rule set, so choosing a site always jumps. */
  readonly allRoute: boolean;
}

/** Warnings and errors for every goto cycle reachable from the entry rule set. */
export function gotoCycles(cfg: Config): SemanticIssue[] {
  const routes = cfg.routes ?? {};
  const sites = Object.entries(cfg.sites ?? {});
  const siteRoutes: SiteRoutes = { routes: new Map(), allRoute: sites.length > 0 && sites.every(([, s]) => s.routes !== undefined) };
  for (const [id, s] of sites) if (s.routes !== undefined && !siteRoutes.routes.has(s.routes)) (siteRoutes.routes as Map<string, string>).set(s.routes, id);
  const edges = new Map<string, Edge[]>();
  for (const [id, rules] of Object.entries(routes)) edges.set(id, ruleSetEdges(cfg, siteRoutes, id, rules));
  const certainSite = siteRoutes.allRoute && siteRoutes.routes.size === 1;
  edges.set(ANY_SITE, [...siteRoutes.routes].map(([to, site]) => ({ to, path: ['sites', site, 'routes'], label: `the choice of site (${printable(site, 40)} and others)`, certain: certainSite })));
  const reachable = [...reachableRuleSets(cfg, cfg.clinic?.entry ?? 'inbound', siteRoutes), ANY_SITE];
  const issues: SemanticIssue[] = [];
  const reported = new Set<string>();
  const report = (cycle: readonly Edge[], certainOnly: boolean) => {
    const key = cycle.map((e) => `${e.to}@${e.path.join('.')}`).sort().join('|');
    if (reported.has(key)) return;
    reported.add(key);
    // The cycle as read from the rule set it is entered at: a -> b -> a.
    const nodes = [cycle[cycle.length - 1]!.to, ...cycle.slice(0, -1).map((e) => e.to)].filter((n) => n !== ANY_SITE);
    const shown = nodes.length <= 8 ? nodes : [...nodes.slice(0, 7), `... (${nodes.length - 7} more rule sets)`];
    const names = [...shown, nodes[0]!].map((n) => printable(n, 40)).join(' -> ');
    if (certainOnly || cycle.every((e) => e.certain)) {
      issues.push({
        path: cycle[0]!.path,
        code: 'goto-loop',
        message: `rule sets loop for ever: ${names}; every call that gets here goes round until the 200-step guard sends it to the failsafe (end one of them in a destination such as a queue, menu or voicemail)`,
      });
      return;
    }
    const guarded = cycle.filter((e) => !e.certain);
    const where = guarded.length <= 4 ? guarded.map((e) => e.label).join(', ') : `${guarded.slice(0, 4).map((e) => e.label).join(', ')} and ${guarded.length - 4} more rules`;
    issues.push({
      path: guarded[0]!.path,
      severity: 'warning',
      code: 'goto-loop',
      message: `rule sets can loop: ${names}; a call that takes ${where} goes round until the 200-step guard sends it to the failsafe, unless the conditions change on the way (check they cannot all hold, or end the loop in a destination)`,
    });
  };
  for (const certainOnly of [true, false]) {
    for (const cycle of backEdgeCycles(reachable, edges, certainOnly)) {
      if (!certainOnly && cycle.every((e) => e.certain)) continue;
      report(cycle, certainOnly);
    }
  }
  return issues;
}

/** Where a call can leave a rule set for another one, and whether every call leaves that way. */
function ruleSetEdges(cfg: Config, siteRoutes: SiteRoutes, id: string, rules: readonly RuleConfig[]): Edge[] {
  const found: Omit<Edge, 'certain'>[] = [];
  let exits = 0;
  let caught = false;
  for (let i = 0; i < rules.length && !caught; i++) {
    const rule = rules[i]!;
    const out = listExits(cfg, siteRoutes, rule.then, ['routes', id, i, 'then']);
    for (const t of out.targets) found.push({ ...t, label: `'${printable(rule.name, 40)}' in ${printable(id, 40)}` });
    exits += out.targets.length + (out.leaves ? 1 : 0);
    // A rule without conditions that ends takes every call that gets to it; later rules never run.
    caught = out.ends && (rule.when === undefined || Object.keys(rule.when).length === 0);
  }
  // A call that matches no rule that ends goes back to where it came from: another way out.
  if (!caught) exits++;
  const targets = new Set(found.map((e) => e.to));
  const certain = exits === found.length && targets.size === 1;
  return found.map((e) => ({ ...e, certain }));
}

/** The rule sets an action list can jump to, whether it can leave otherwise, and whether it always ends. */
function listExits(cfg: Config, siteRoutes: SiteRoutes, list: readonly ActionConfig[], path: ConfigPath): { targets: Omit<Edge, 'label' | 'certain'>[]; leaves: boolean; ends: boolean } {
  const targets: Omit<Edge, 'label' | 'certain'>[] = [];
  for (let j = 0; j < list.length; j++) {
    const a = list[j]!;
    if (a.goto !== undefined) {
      targets.push({ to: a.goto, path: [...path, j, 'goto'] });
      return { targets, leaves: false, ends: true };
    }
    if (a.site !== undefined) {
      if (a.site.by !== 'fixed') {
        if (siteRoutes.routes.size > 0) targets.push({ to: ANY_SITE, path: [...path, j, 'site'] });
        if (siteRoutes.allRoute) return { targets, leaves: false, ends: true };
        continue;
      }
      const sites = cfg.sites ?? {};
      const chosen = a.site.site ?? '';
      const known = [chosen, ...(a.site.overflow === false ? [] : (sites[chosen]?.nearest ?? []))].filter((s) => sites[s] !== undefined);
      const withRoutes = new Set(known.map((s) => sites[s]!.routes).filter((r): r is string => r !== undefined));
      for (const r of withRoutes) targets.push({ to: r, path: [...path, j, 'site'] });
      // A chosen site without a rule set of its own continues with the next action.
      if (known.length > 0 && known.every((s) => sites[s]!.routes !== undefined)) return { targets, leaves: false, ends: true };
      continue;
    }
    if (LEAVES.has(Object.keys(a)[0] ?? '')) return { targets, leaves: true, ends: true };
  }
  return { targets, leaves: false, ends: false };
}

/** Rule sets a call can get to from the entry: through rules, menus, queues, ring groups and rosters. */
function reachableRuleSets(cfg: Config, entry: string, siteRoutes: SiteRoutes): string[] {
  const lists = (kind: string, id: string): readonly (readonly ActionConfig[])[] => {
    switch (kind) {
      case 'goto':
        return (cfg.routes?.[id] ?? []).map((r) => r.then);
      case 'menu': {
        const m = cfg.menus?.[id];
        return m ? [...Object.values(m.options), m.onInvalid, m.onTimeout] : [];
      }
      case 'queue':
        return cfg.queues?.[id] ? [cfg.queues[id].overflow] : [];
      case 'ringGroup':
        return cfg.ringGroups?.[id] ? [cfg.ringGroups[id].noAnswer] : [];
      case 'forward':
        return cfg.rosters?.[id] ? [cfg.rosters[id].final] : [];
      case 'site':
        return [[...siteRoutes.routes.keys()].map((r) => ({ goto: r }))];
      default:
        return [];
    }
  };
  const seen = new Set<string>();
  const order: string[] = [];
  const queue: [string, string][] = [['goto', entry]];
  for (let next = 0; next < queue.length; next++) {
    const [kind, id] = queue[next]!;
    const key = `${kind}:${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (kind === 'goto' && cfg.routes?.[id]) order.push(id);
    for (const list of lists(kind, id)) {
      for (const a of list) {
        const k = Object.keys(a)[0] ?? '';
        const target = (a as Record<string, unknown>)[k];
        if (k === 'site') queue.push(['site', '*']);
        if (typeof target === 'string') queue.push([k, target]);
      }
    }
  }
  return order;
}

/**
 * One cycle per back edge of a depth-first search from each reachable rule set (every cycle of the
 * graph holds at least one back edge, so every cycle is covered); linear in the number of edges.
 */
function backEdgeCycles(starts: readonly string[], edges: ReadonlyMap<string, readonly Edge[]>, certainOnly: boolean): Edge[][] {
  const cycles: Edge[][] = [];
  const done = new Set<string>();
  const onStack = new Map<string, number>();
  const allowed = new Set(starts);
  const outOf = new Map<string, Edge[]>();
  for (const [node, list] of edges) outOf.set(node, list.filter((e) => (!certainOnly || e.certain) && allowed.has(e.to)));
  for (const start of starts) {
    if (done.has(start)) continue;
    const stack: { node: string; next: number; via: Edge | null }[] = [{ node: start, next: 0, via: null }];
    onStack.set(start, 0);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const out = outOf.get(top.node) ?? [];
      if (top.next >= out.length) {
        stack.pop();
        onStack.delete(top.node);
        done.add(top.node);
        continue;
      }
      const e = out[top.next++]!;
      const at = onStack.get(e.to);
      if (at !== undefined) {
        cycles.push([...stack.slice(at + 1).map((s) => s.via!), e]);
        continue;
      }
      if (done.has(e.to)) continue;
      onStack.set(e.to, stack.length);
      stack.push({ node: e.to, next: 0, via: e });
    }
  }
  return cycles;
}
