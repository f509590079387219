/**
 * Config-loading benchmark: how long `loadPlan` (read, parse, check, compile) takes on large and
 * hostile configs. A reload runs on the engine's event loop, so none of these may stall it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPlan } from '../src/config/index.js';
import { aliasBomb, manyRules, manyRuleSets, networkOfSize, networkWithIcal, repeatedNetwork, unknownKeys } from './config-cases.js';

export interface ConfigLoadRow {
  readonly name: string;
  readonly bytes: number;
  readonly ms: number;
  readonly status: string;
  readonly problems: number;
  readonly warnings: number;
}

/** Loads each case from a temporary folder (best of `runs`) and returns the timings. */
export function runConfigLoadBench(runs = 3): ConfigLoadRow[] {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-config-bench-'));
  try {
    const oneMb = networkOfSize(1_000_000);
    const cases: [string, string][] = [
      ['example network x1', repeatedNetwork(1)],
      ['example network x10', repeatedNetwork(10)],
      [`1 MB config (example network x${oneMb.copies})`, oneMb.text],
      ['4,000 rules', manyRules(4000)],
      ['16,000 unknown keys', unknownKeys(16_000)],
      ['2,000 rule sets in a goto chain', manyRuleSets(2000)],
      ['2.3 MB of unknown keys (refused: too large)', unknownKeys(120_000)],
      ['alias bomb (9^9 values)', aliasBomb()],
    ];
    const rows: ConfigLoadRow[] = [];
    for (const [name, text] of cases) {
      const file = join(dir, `${rows.length}.yaml`);
      writeFileSync(file, text);
      rows.push(time(name, file, Buffer.byteLength(text), runs));
    }
    const ics = join(dir, 'device');
    mkdirSync(ics);
    const deviceFile = join(dir, 'device', 'clinic.yaml');
    writeFileSync(deviceFile, networkWithIcal('/dev/zero'));
    rows.push(time('ical: /dev/zero (refused: not a regular file)', deviceFile, 0, runs));
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function time(name: string, file: string, bytes: number, runs: number): ConfigLoadRow {
  let best = Infinity;
  let result = loadPlan(file);
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    result = loadPlan(file);
    best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { name, bytes, ms: Math.round(best * 10) / 10, status: result.status, problems: result.problems.length, warnings: result.warnings.length };
}

/** The rows as a small table. */
export function formatConfigLoad(rows: readonly ConfigLoadRow[]): string {
  const lines = rows.map((r) => `  ${r.name.padEnd(48)} ${(r.bytes ? `${Math.round(r.bytes / 1024)} KiB` : '').padStart(9)} ${`${r.ms} ms`.padStart(11)}   ${r.status}${r.problems ? ` (${r.problems} problem(s))` : ''}${r.warnings ? ` (${r.warnings} warning(s))` : ''}`);
  return ['config loading (loadPlan: read, parse, check, compile; best of 3):', ...lines, ''].join('\n');
}
