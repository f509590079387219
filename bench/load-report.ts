/** The load run's figures as text, and the design's targets checked against them. */
import { availableParallelism } from 'node:os';
import type { LoadFigures, PhaseFigures } from './load.js';

/** One target from DESIGN.md "Performance targets", with the measured value. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly pass: boolean;
}

/** Engine p99 / bare p99 of one run at a rate (null when either is missing). */
export function overhead(l: LoadFigures, run: string): number | null {
  return ratio(l.engine[run]?.fake.latency.p99, l.bare[run]?.fake.latency.p99);
}

function ratio(e: number | undefined, b: number | undefined): number | null {
  return e === undefined || b === undefined || b === 0 ? null : Math.round((e / b) * 100) / 100;
}

/** The first-command p99 at a rate, bare and engine: of all its runs together when it had several. */
export function p99At(l: LoadFigures, rate: string): { bare: number; engine: number; runs: number } | null {
  const p = l.pooled[rate];
  if (p) return { bare: p.bare.p99, engine: p.engine.p99, runs: p.runs };
  const e = l.engine[rate]?.fake.latency.p99;
  const b = l.bare[rate]?.fake.latency.p99;
  return e === undefined || b === undefined ? null : { bare: b, engine: e, runs: 1 };
}

/** The two load targets: overhead at 100 cps, and 1,000 waiting calls with none lost under 250 MB. */
export function checkTargets(l: LoadFigures): TargetCheck[] {
  const at100 = p99At(l, '100cps');
  const r100 = at100 && ratio(at100.engine, at100.bare);
  const checks: TargetCheck[] = [];
  if (at100 && r100 !== null) {
    const runs = Object.keys(l.engine).filter((k) => k === '100cps' || k.startsWith('100cps#'));
    // A fake that placed its calls late was itself short of CPU: the p99 then measures the machine, not the app.
    const late = Math.max(...runs.flatMap((k) => [l.engine[k]!.placement.late.p99, l.bare[k]?.placement.late.p99 ?? 0]));
    const note = late > 20 ? `; disturbed: the fake placed calls up to ${late} ms late (p99)` : '';
    const each = at100.runs > 1 ? `; runs ${runs.map((k) => `${overhead(l, k)}x`).join(', ')}` : '';
    checks.push({
      target: 'engine overhead p99 at 100 cps <= 1.5x bare ari-client',
      measured: `${r100}x (${at100.engine} ms vs ${at100.bare} ms${at100.runs > 1 ? `, the ${at100.runs} runs together` : ''}${each}${note})`,
      pass: r100 <= 1.5,
    });
  }
  const w = l.waiting;
  if (w) {
    const rss = w.app.max_rss_mb;
    checks.push({ target: `${l.options.waiting} waiting calls: none lost or stuck, engine RSS < 250 MB`, measured: `${w.lost} lost, ${w.stuck} stuck, ${w.engine?.open.queued ?? 0} queued, peak RSS ${rss} MB`, pass: w.lost === 0 && w.stuck === 0 && rss < 250 });
  }
  const all = [...Object.values(l.bare), ...Object.values(l.engine)];
  checks.push({ target: 'no call lost or stuck at any rate', measured: `${all.reduce((a, p) => a + p.lost, 0)} lost, ${all.reduce((a, p) => a + p.stuck, 0)} stuck`, pass: all.every((p) => p.lost === 0 && p.stuck === 0) });
  return checks;
}

function row(name: string, p: PhaseFigures, width = 7): string {
  const l = p.fake.latency;
  return `  ${name.padEnd(width)} ${String(p.placement.placed).padStart(5)} calls at ${String(p.placement.achieved_cps).padStart(5)} cps (late p99 ${p.placement.late.p99} ms)   first command p50 ${String(l.p50).padStart(6)} ms  p99 ${String(l.p99).padStart(7)} ms  max ${String(l.max).padStart(7)} ms   lost ${p.lost} stuck ${p.stuck}   RSS ${p.app.peak_rss_mb} MB   lag p99 ${p.app.lag_p99_ms} ms max ${p.app.lag_max_ms} ms   CPU ${Math.round((p.app.cpu_ms / Math.max(1, p.placement.placed)) * 100) / 100} ms/call   load avg ${p.load_average}`;
}

const perCall = (ms: number, p: PhaseFigures) => Math.round((ms / Math.max(1, p.placement.placed)) * 100) / 100;

/** The store's line under an engine row: the SQLite probe's figures, or the PostgreSQL server's CPU (the probe does not apply there). */
function sqlite(p: PhaseFigures, indent = 10): string {
  const pad = ' '.repeat(indent);
  if (p.server_cpu_ms !== null) return `${pad}PostgreSQL server: ${Math.round(p.server_cpu_ms)} ms CPU (${perCall(p.server_cpu_ms, p)} ms/call; engine + server ${perCall(p.app.cpu_ms + p.server_cpu_ms, p)} ms/call); SQLite probe: n/a`;
  const q = p.engine?.sqlite;
  if (!q) return '';
  return `${pad}SQLite: ${q.writes} writes (${Math.round((q.writes / Math.max(1, p.placement.placed)) * 10) / 10}/call) in ${q.commits} commits, ${q.write_ms} ms on the event loop (${Math.round((q.write_ms / Math.max(1, p.placement.placed)) * 100) / 100} ms/call), ${q.stalls} writes over 5 ms, longest ${q.stall_max_ms} ms`;
}

/** The load section of `npm run bench`. */
export function formatLoad(l: LoadFigures): string {
  const lines = [`load: StasisStart -> first REST command, measured inside the fake Asterisk (its own process); callers press 1 and wait in the scheduling queue, agents paused`];
  lines.push(` bare ari-client app (answer, hang up; RSS ${l.idle_rss_mb.bare} MB when connected, before calls):`);
  for (const [rate, p] of Object.entries(l.bare)) lines.push(row(rate, p));
  lines.push(` engine (startEngine, ${l.store === 'postgres' ? 'PostgreSQL database' : 'SQLite file'}, example-clinic at Mon 10:00; RSS ${l.idle_rss_mb.engine} MB when connected):`);
for (const [rate, p] of Object.entries(l.engine)) lines.push(`${row(rate, p)}   overhead p99 ${overhead(l, rate) ?? '-'}x`, sqlite(p));
  if (l.waiting) lines.push(row('waiting', l.waiting), sqlite(l.waiting), `          ${l.waiting.engine?.open.queued ?? 0} queued in the engine; callers hear ${JSON.stringify(l.waiting.fake.hearing)}`);
  for (const c of checkTargets(l)) lines.push(`  ${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.measured}`);
  lines.push(`  (load run ${l.seconds} s; machine load average ${l.load_average.join(' ')} on ${availableParallelism()} cores: other processes share them)`, '');
  return lines.join('\n');
}

const STORE_NAME: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };

/**
 * The load section for one run per store: one store as `formatLoad`; several side by side, per
 * rate the bare baseline of each store's run and the engine on each store one under the other,
 * then a summary table and each store's targets.
 */
export function formatLoadStores(runs: readonly LoadFigures[]): string {
  if (runs.length === 1) return formatLoad(runs[0]!);
  const w = 16;
  const lines = [`load: StasisStart -> first REST command, measured inside the fake Asterisk (its own process); the engine on ${runs.map((l) => STORE_NAME[l.store]).join(' and on ')}, one run after the other (each with its own bare baseline); callers press 1 and wait in the scheduling queue, agents paused`];
  lines.push(`  RSS when connected, before calls: ${runs.map((l) => `${l.store} run: bare ${l.idle_rss_mb.bare} MB, engine ${l.idle_rss_mb.engine} MB`).join('; ')}`);
  const rates = [...new Set(runs.flatMap((l) => Object.keys(l.engine)))];
  for (const rate of rates) {
    lines.push(` ${rate}:`);
    for (const l of runs) {
      const b = l.bare[rate];
      if (b) lines.push(row(`bare (${l.store})`, b, w));
    }
    for (const l of runs) {
      const e = l.engine[rate];
      if (e) lines.push(`${row(`engine ${l.store}`, e, w)}   overhead p99 ${overhead(l, rate) ?? '-'}x`, sqlite(e, w + 3));
    }
  }
  if (runs.some((l) => l.waiting)) {
    lines.push(' waiting callers:');
    for (const l of runs) if (l.waiting) lines.push(row(`engine ${l.store}`, l.waiting, w), sqlite(l.waiting, w + 3), `${' '.repeat(w + 3)}${l.waiting.engine?.open.queued ?? 0} queued in the engine; callers hear ${JSON.stringify(l.waiting.fake.hearing)}`);
  }
  lines.push(' summary (engine; p99 ratio = engine p99 / bare p99 of the same run):');
  lines.push(`  ${'rate'.padEnd(9)}${runs.map((l) => `| ${`${l.store}: p50 / p99 ms, ratio, CPU ms/call, lag p99`.padEnd(58)}`).join('')}`);
  for (const rate of [...rates, ...(runs.some((l) => l.waiting) ? ['waiting'] : [])]) {
    const cells = runs.map((l) => {
      const p = rate === 'waiting' ? l.waiting : l.engine[rate];
      if (!p) return `| ${'-'.padEnd(58)}`;
      const cpu = p.server_cpu_ms === null ? `${perCall(p.app.cpu_ms, p)}` : `${perCall(p.app.cpu_ms, p)} + server ${perCall(p.server_cpu_ms, p)}`;
      const ratio = rate === 'waiting' ? '-' : `${overhead(l, rate) ?? '-'}x`;
      return `| ${`${p.fake.latency.p50} / ${p.fake.latency.p99}, ${ratio}, ${cpu}, ${p.app.lag_p99_ms} ms`.padEnd(58)}`;
    });
    lines.push(`  ${rate.padEnd(9)}${cells.join('')}`);
  }
  for (const l of runs) for (const c of checkTargets(l)) lines.push(`  ${l.store.padEnd(8)} ${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.measured}`);
  lines.push(`  (load runs ${runs.map((l) => `${l.store} ${l.seconds} s`).join(', ')}; machine load average ${runs.at(-1)!.load_average.join(' ')} on ${availableParallelism()} cores: other processes share them)`, '');
  return lines.join('\n');
}
