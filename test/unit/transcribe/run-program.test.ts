import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../../../src/transcribe/run-program.js';

const alive = (pattern: string) => {
  try {
    return execFileSync('pgrep', ['-f', pattern]).toString().trim().length > 0;
  } catch {
    return false;
  }
};

describe('running a recogniser program', () => {
  it('returns its output and the CPU time it spent', async () => {
    const run = await runProgram(process.execPath, ['-e', 'const t = Date.now(); while (Date.now() - t < 300); console.log("done")'], { timeoutMs: 10_000 });
    expect(run.stdout.trim()).toBe('done');
    expect(run.cpuMs).toBeGreaterThanOrEqual(150);
  });

  it('kills a run past its timeout, with its children', async () => {
    const marker = `pbx-router-test-sleep-${process.pid}`;
    const started = Date.now();
    await expect(runProgram('sh', ['-c', `sleep 30; echo ${marker}`], { timeoutMs: 300 })).rejects.toThrow(/sh: timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(5000);
    await new Promise((r) => setTimeout(r, 100));
    expect(alive(marker)).toBe(false);
  });

  it('stops when aborted', async () => {
    const ac = new AbortController();
    const run = runProgram('sleep', ['30'], { timeoutMs: 60_000, signal: ac.signal });
    ac.abort();
    await expect(run).rejects.toThrow(/sleep: aborted/);
  });

  it('names a missing program and a failing one with what it said', async () => {
    await expect(runProgram('no-such-recogniser', [], { timeoutMs: 5000 })).rejects.toThrow(/no-such-recogniser: program not found/);
    await expect(runProgram('sh', ['-c', 'echo "ERROR: bad model" >&2; exit 3'], { timeoutMs: 5000 })).rejects.toThrow(/sh: exit 3: ERROR: bad model/);
  });
});
