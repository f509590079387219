/**
 * `pbx-router validate` over a folder of small invalid configurations, each beside the exact
 * `file:line:col message` lines it must produce (test/fixtures/invalid-configs/NN-name.expected).
 * A fixture is one NN-name.yaml, or a folder NN-name/ of several files merged into one config.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, type Io } from '../src/cli/main.js';
import { loadPlan } from '../src/config/index.js';
import { formatProblem } from '../src/config/load.js';

const INVALID = fileURLToPath(new URL('./fixtures/invalid-configs', import.meta.url));
const VALID_FOLDER = fileURLToPath(new URL('./fixtures/valid-folder', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../config/example-clinic.yaml', import.meta.url));

interface Fixture {
  readonly name: string;
  readonly path: string;
  readonly expected: string[];
}

const fixtures: Fixture[] = readdirSync(INVALID)
  .filter((f) => !f.endsWith('.expected'))
  .sort()
  .map((f) => {
    const stem = f.replace(/\.ya?ml$/, '');
    const expectedFile = join(INVALID, `${stem}.expected`);
    const expected = existsSync(expectedFile) ? readFileSync(expectedFile, 'utf8').split('\n').filter((l) => l.trim() !== '') : [];
    return { name: stem, path: join(INVALID, f), expected };
  });

/** How the CLI shows a path: relative to the working folder when inside it (as the loader does). */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => void out.push(...t.replace(/\n$/, '').split('\n')), err: (t) => void err.push(...t.replace(/\n$/, '').split('\n')) };
  const code = await main(['node', 'pbx-router', ...args], io);
  return { code, out, err };
}

const sorted = (lines: readonly string[]) => [...lines].sort();
const PROBLEM_LINE = /^\S+:\d+:\d+ /;

describe('invalid config fixtures', () => {
  it('every fixture has a non-empty .expected file and every .expected file has a fixture', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
    for (const f of fixtures) expect(f.expected, `${f.name}.expected`).not.toEqual([]);
    for (const e of readdirSync(INVALID).filter((f) => f.endsWith('.expected'))) {
      const stem = e.replace(/\.expected$/, '');
      expect(fixtures.map((f) => f.name), e).toContain(stem);
    }
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: loadPlan reports exactly the expected lines', (_name, f) => {
    const { plan, problems, warnings } = loadPlan(f.path, INVALID);
    expect(plan).toBeNull();
    expect(sorted([...problems, ...warnings].map(formatProblem))).toEqual(sorted(f.expected));
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: every position is inside the file it names', (_name, f) => {
    for (const line of f.expected) {
      const m = /^(.+?):(\d+):(\d+) (.+)$/.exec(line);
      expect(m, line).not.toBeNull();
      const [, file, row, col] = m!;
      const path = join(INVALID, file!);
      expect(statSync(path).isFile(), line).toBe(true);
      const lines = readFileSync(path, 'utf8').split('\n');
      expect(Number(row), line).toBeLessThanOrEqual(lines.length);
      expect(Number(col), line).toBeLessThanOrEqual(lines[Number(row) - 1]!.length + 1);
    }
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s: `pbx-router validate` exits 1 with those lines on stderr', async (_name, f) => {
    const r = await run('validate', shown(f.path));
    expect(r.code).toBe(1);
    expect(r.out.filter((l) => l.startsWith('valid: '))).toEqual([]);
    // The CLI shows files relative to the working folder; the fixtures relative to their folder.
    const prefix = `${shown(INVALID)}/`;
    const problems = r.err.filter((l) => PROBLEM_LINE.test(l)).map((l) => l.split(prefix).join(''));
    expect(sorted(problems)).toEqual(sorted(f.expected));
  });

  it('between them the fixtures exercise every kind of check', () => {
    const codes = new Set(fixtures.flatMap((f) => loadPlan(f.path, INVALID).problems.map((p) => p.code)));
    const warned = new Set(fixtures.flatMap((f) => loadPlan(f.path, INVALID).warnings.map((p) => p.code)));
    expect(warned).toContain('goto-loop');
    for (const code of [
      'yaml-syntax',
      'schema',
      'unknown-reference',
      'menu-loop',
      'shadowed-rule',
      'no-catch-all',
      'unservable-queue',
      'toll-fraud',
      'unreachable-action',
      'dead-end',
      'duplicate-id',
      'bad-timezone',
      'unreadable-ical',
      'no-trunk',
      'yaml-alias',
      'yaml-limit',
      'goto-loop',
      'bad-pattern',
      'empty-range',
    ]) {
      expect(codes, code).toContain(code);
    }
  });

  it('a file with several mistakes reports all of them in one run', () => {
    const several = fixtures.find((f) => f.name.endsWith('several-errors'))!;
    expect(several.expected.length).toBeGreaterThanOrEqual(4);
    const schema = fixtures.find((f) => f.name.endsWith('several-schema-errors'))!;
    expect(schema.expected.length).toBeGreaterThanOrEqual(4);
  });
});

describe('valid configs', () => {
  it('config/example-clinic.yaml validates with exit 0 and one `valid: ` line', async () => {
    const r = await run('validate', shown(EXAMPLE));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/^valid: Riverside Family Clinic: 1 site\(s\)/);
  });

  it('a folder of two files is merged into one config and validates', async () => {
    const { plan, problems } = loadPlan(VALID_FOLDER);
    expect(problems).toEqual([]);
    expect(plan).not.toBeNull();
    expect(plan!.clinic.name).toBe('Two-file Clinic');
    // sites and schedules from 10-sites.yaml; agents, queues, routes from 20-routing.yaml; mailboxes from both.
    expect([...plan!.sites.keys()]).toEqual(['main']);
    expect([...plan!.queues.keys()]).toEqual(['front']);
    expect([...plan!.mailboxes.keys()].sort()).toEqual(['billing', 'front-desk']);
    const r = await run('validate', shown(VALID_FOLDER));
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    expect(r.out[0]).toMatch(/^valid: Two-file Clinic: 1 site\(s\), 1 agent\(s\), 1 queue\(s\)/);
  });

  it('a missing config is one clear problem, not a crash, and exit 2 (could not read) rather than 1 (invalid)', async () => {
    const r = await run('validate', 'test/fixtures/no-such-config.yaml');
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/^test\/fixtures\/no-such-config\.yaml:1:1 cannot read the configuration: no such file or folder$/);
  });
});
