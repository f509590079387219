/**
 * The ARI handler tree of res_ari.c: one node per path segment, `{name}` segments are
 * wildcards used only when no literal child matches. Unknown segment: 404 "Resource not
 * found"; known path, unsupported method: 405 "Invalid method" with
 * `Allow: OPTIONS,<methods of that path>` (e.g. `PUT /channels` gives `OPTIONS,GET,POST`).
 */
import { error, type RestHandler, type RestResult } from './rest.js';

/** HTTP methods in Asterisk's enum order (the order of the Allow header). */
const METHOD_ORDER = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE'] as const;

/** A route: an ARI path (as in the api-docs, without `/ari`) and its handlers. */
export interface Route {
  readonly path: string;
  readonly handlers: Readonly<Partial<Record<'GET' | 'POST' | 'PUT' | 'DELETE', RestHandler>>>;
}

interface Node {
  readonly segment: string;
  readonly wildcard: string | null;
  readonly children: Node[];
  handlers: Partial<Record<string, RestHandler>>;
}

/** The outcome of routing a request. */
export type RouteMatch =
  | { readonly kind: 'handler'; readonly handler: RestHandler; readonly pathVars: Record<string, string> }
  | { readonly kind: 'error'; readonly result: RestResult };

/** The handler tree. */
export class Router {
  private readonly root: Node = { segment: '', wildcard: null, children: [], handlers: {} };

  constructor(routes: readonly Route[]) {
    for (const r of routes) this.add(r);
  }

  /** Finds the handler for `/a/b/c` (the part after `/ari`). */
  match(method: string, path: string): RouteMatch {
    let node = this.root;
    const pathVars: Record<string, string> = {};
    for (const raw of path.split('/').filter((s) => s.length > 0)) {
      const seg = safeDecode(raw);
      const literal = node.children.find((c) => !c.wildcard && c.segment === seg);
      const wild = node.children.find((c) => c.wildcard);
      const next = literal ?? wild;
      if (!next) return { kind: 'error', result: error(404, 'Not Found', 'Resource not found') };
      if (!literal && next.wildcard) pathVars[next.wildcard] = seg;
      node = next;
    }
    const handler = node.handlers[method];
    if (!handler) {
      const allow = ['OPTIONS', ...METHOD_ORDER.filter((m) => node.handlers[m])].join(',');
      return { kind: 'error', result: { ...error(405, 'Method Not Allowed', 'Invalid method'), headers: [['Allow', allow]] } };
    }
    return { kind: 'handler', handler, pathVars };
  }

  private add(route: Route): void {
    let node = this.root;
    for (const seg of route.path.split('/').filter((s) => s.length > 0)) {
      const m = /^\{(\w+)\}$/.exec(seg);
      const wildcard = m ? (m[1] ?? null) : null;
      let child = node.children.find((c) => (wildcard ? c.wildcard !== null : !c.wildcard && c.segment === seg));
      if (!child) {
        child = { segment: seg, wildcard, children: [], handlers: {} };
        node.children.push(child);
      }
      node = child;
    }
    node.handlers = { ...node.handlers, ...route.handlers };
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
