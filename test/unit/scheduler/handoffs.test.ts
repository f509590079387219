import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../../src/config/index.js';
import { logHandoffs } from '../../../src/scheduler/handoffs.js';

describe('on-call handoff log', () => {
  it('logs the Monday 08:00 handoff and a run-time override, nothing in between', () => {
    const plan = loadPlan('config/example-clinic.yaml').plan!;
    const logs: string[] = [];
    const from = Date.parse('2026-11-29T12:00:00Z');
    const lines = logHandoffs(plan, from, Date.parse('2026-12-01T12:00:00Z'), { 'on-call-nurse': [{ member: 'dr-chen', fromMs: Date.parse('2026-12-01T00:00:00Z'), toMs: Date.parse('2026-12-01T06:00:00Z') }] }, (m) => logs.push(m));
    expect(lines).toEqual([
      'on call for on-call-nurse from 2026-11-30T14:00:00.000Z: Dr. Ada Okafor',
      'on call for on-call-nurse from 2026-12-01T00:00:00.000Z: Dr. Wei Chen',
      'on call for on-call-nurse from 2026-12-01T06:00:00.000Z: Dr. Ada Okafor',
    ]);
    expect(logs).toEqual(lines);
    expect(logHandoffs(plan, from, from + 60_000, {}, () => {})).toEqual([]);
  });
});
