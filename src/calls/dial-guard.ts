/**
 * The toll-fraud guard at call time: an outside number is dialled only when its dial string is one
 * the config wrote (never digits a caller typed), it is not premium-rate or international unless
 * allowed, and it has not been dialled too often in the last hour.
 */
import { tollFraudReason } from '../config/toll-fraud.js';
import type { Plan } from '../routing/types.js';

const HOUR = 3600_000;

export class DialGuard {
  private readonly recent = new Map<string, number[]>();

  /** `dialled`: outside numbers already dialled and when (from the store), so a restart does not reset the hourly limit. */
  constructor(dialled: readonly { readonly number: string; readonly at: number }[] = []) {
    for (const d of dialled) this.recent.set(d.number, [...(this.recent.get(d.number) ?? []), d.at]);
  }

  /** Why this dial must not happen now, or null (and then it is counted). */
  check(plan: Plan, dial: string, number: string, now: number): string | null {
    if (!plan.dialTargets.has(dial)) return `${dial} is not a dial target written in the configuration`;
    const why = tollFraudReason(number, plan.outbound ?? undefined);
    if (why) return why;
    const limit = plan.outbound?.maxForwardsPerNumberPerHour ?? 6;
    const times = (this.recent.get(number) ?? []).filter((t) => now - t < HOUR);
    if (times.length >= limit) return `already dialled ${times.length} times in the last hour (limit ${limit})`;
    times.push(now);
    this.recent.set(number, times);
    return null;
  }
}
