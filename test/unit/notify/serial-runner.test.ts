import { describe, expect, it } from 'vitest';
import { describeError, serialRunner } from '../../../src/notify/serial-runner.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('serialRunner', () => {
  it('a run that throws is logged once with its cause, and the next run works', async () => {
    const errors: string[] = [];
    let calls = 0;
    const runner = serialRunner(
      async () => {
        calls++;
        if (calls === 1) throw new Error('marking email 1 failed', { cause: new Error('SQLITE_BUSY: database is locked') });
        return calls;
      },
      (e) => errors.push(describeError(e)),
    );
    expect(await runner.run()).toMatchObject({ ok: false, error: { message: 'marking email 1 failed' } });
    expect(await runner.run()).toEqual({ ok: true, value: 2 });
    expect(await runner.run()).toEqual({ ok: true, value: 3 });
    expect(errors).toEqual(['marking email 1 failed; cause: SQLITE_BUSY: database is locked']);
  });

  it('never two runs at once; calls made while one waits join it', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const release: (() => void)[] = [];
    const runner = serialRunner(async () => {
      running++;
      most = Math.max(most, running);
      runs++;
      await new Promise<void>((r) => release.push(r));
      running--;
      return runs;
    }, () => {});
    const first = runner.run();
    await tick();
    const second = runner.run();
    const third = runner.run();
    expect(third).toBe(second);
    await tick();
    expect(release).toHaveLength(1);
    release.shift()!();
    expect(await first).toEqual({ ok: true, value: 1 });
    await tick();
    release.shift()!();
    expect(await second).toEqual({ ok: true, value: 2 });
    expect({ runs, most }).toEqual({ runs: 2, most: 1 });
  });

  it('a run after a failed one waits for it to settle, and a thrown non-Error is still reported', async () => {
    const order: string[] = [];
    const errors: Error[] = [];
    let n = 0;
    const runner = serialRunner(async () => {
      const me = ++n;
      order.push(`start ${me}`);
      await tick();
      order.push(`end ${me}`);
      if (me === 1) throw 'not an Error';
    }, (e) => errors.push(e));
    const a = runner.run();
    await tick();
    const b = runner.run();
    await Promise.all([a, b]);
    expect(order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
    expect(errors.map((e) => e.message)).toEqual(['not an Error']);
  });
});
