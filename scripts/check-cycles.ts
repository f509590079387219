/**
 * Fails when the modules of the given folders import each other in a cycle (npm run lint runs it on
 * src/calls and src/cli). Imports are resolved by TypeScript itself with tsconfig.json, so the
 * `./x.js` specifiers of NodeNext find their `.ts` files; `import type` counts too (a cycle through
 * types is still two modules that cannot be understood apart), and is marked as such in the report.
 *
 *   node --import tsx scripts/check-cycles.ts src/calls src/cli
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import of a module by another. */
interface Edge {
  readonly to: string;
  readonly typeOnly: boolean;
}

/** The `.ts` sources under a folder, tests and declarations left out. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.endsWith('.test.ts') ? [resolve(path)] : [];
  });
}

/** The compiler options of tsconfig.json, for resolving specifiers as tsc does. */
function compilerOptions(): ts.CompilerOptions {
  const file = ts.findConfigFile(process.cwd(), ts.sys.fileExists, 'tsconfig.json');
  if (!file) throw new Error('no tsconfig.json in or above the current folder');
  const read = ts.readConfigFile(file, ts.sys.readFile);
  return ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(file)).options;
}

/** The specifiers a module imports, re-exports or loads with import(), and whether each is for types only. */
function specifiers(path: string): { spec: string; typeOnly: boolean }[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: { spec: string; typeOnly: boolean }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const allTypes = !!clause && !clause.name && !!bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((e) => e.isTypeOnly);
      out.push({ spec: node.moduleSpecifier.text, typeOnly: !!clause?.isTypeOnly || allTypes });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push({ spec: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteral(node.arguments[0])) {
      out.push({ spec: node.arguments[0].text, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** The import graph among the given modules (imports that leave the set are dropped). */
function graph(files: readonly string[], options: ts.CompilerOptions): Map<string, Edge[]> {
  const inSet = new Set(files);
  const edges = new Map<string, Edge[]>();
  for (const file of files) {
    const list: Edge[] = [];
    for (const { spec, typeOnly } of specifiers(file)) {
      const to = ts.resolveModuleName(spec, file, options, ts.sys).resolvedModule?.resolvedFileName;
      if (to && inSet.has(resolve(to))) list.push({ to: resolve(to), typeOnly });
    }
    edges.set(file, list);
  }
  return edges;
}

/** The strongly connected components with more than one module, or one that imports itself (Tarjan). */
function cyclicGroups(edges: ReadonlyMap<string, readonly Edge[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of edges.get(v) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    for (;;) {
      const w = stack.pop()!;
      onStack.delete(w);
      group.push(w);
      if (w === v) break;
    }
    if (group.length > 1 || (edges.get(v) ?? []).some((e) => e.to === v)) groups.push(group.sort());
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v);
  return groups;
}

/** A shortest cycle through the first module of a group, as the path of imports (breadth first). */
function cycleOf(group: readonly string[], edges: ReadonlyMap<string, readonly Edge[]>): Edge[] {
  const members = new Set(group);
  const start = group[0]!;
  const via = new Map<string, { from: string; edge: Edge }>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const e of edges.get(v) ?? []) {
      if (!members.has(e.to) || via.has(e.to)) continue;
      via.set(e.to, { from: v, edge: e });
      if (e.to === start) {
        const path: Edge[] = [];
        for (let at = start; ; ) {
          const step = via.get(at)!;
          path.unshift(step.edge);
          at = step.from;
          if (at === start) return path;
        }
      }
      queue.push(e.to);
    }
  }
  return [];
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node --import tsx scripts/check-cycles.ts <folder>...');
  process.exit(2);
}
const edges = graph(dirs.flatMap(sources), compilerOptions());
const groups = cyclicGroups(edges);
const shown = (p: string) => relative(process.cwd(), p);
for (const group of groups) {
  const path = cycleOf(group, edges);
  const chain = [shown(group[0]!), ...path.map((e) => `${e.typeOnly ? '(type) ' : ''}${shown(e.to)}`)].join(' -> ');
  const inner = group.flatMap((from) => (edges.get(from) ?? []).filter((e) => group.includes(e.to)).map((e) => `    ${shown(from)} imports ${e.typeOnly ? 'types from ' : ''}${shown(e.to)}`));
  console.error(`import cycle among ${group.map(shown).join(', ')}:\n  ${chain}\n  the imports inside it:\n${inner.join('\n')}`);
}
if (groups.length > 0) {
  console.error(`${groups.length} import cycle(s) in ${dirs.join(', ')}: move what both sides need into a module of its own, or pass it in.`);
  process.exit(1);
}
console.log(`no import cycles in ${dirs.join(', ')} (${edges.size} modules)`);
