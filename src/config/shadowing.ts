/** Rules that can never match because an earlier rule already takes every call they would. */
import type { ConditionConfig } from './schema.js';

/**
 * The earlier rules of a rule set that end the call, indexed by their conditions, to find the first
 * one that takes every call a later rule would match (its conditions are a subset of the later
 * rule's) in time linear in the rules: a rule has at most one entry per condition kind (10).
 */
export class EarlierRules {
  private catchAll: number | undefined;
  private readonly byConditions = new Map<string, number>();

  /** Remembers a rule that ends the call. */
  add(when: ConditionConfig | undefined, index: number): void {
    if (isEmpty(when)) {
      this.catchAll ??= index;
      return;
    }
    const key = entries(when!).join('\u0000');
    if (!this.byConditions.has(key)) this.byConditions.set(key, index);
  }

  /** The first remembered rule that takes every call matching `when`, if any. */
  shadowing(when: ConditionConfig | undefined): number | undefined {
    let first = this.catchAll;
    if (isEmpty(when) || this.byConditions.size === 0) return first;
    const own = entries(when!);
    for (let mask = 1; mask < 1 << own.length; mask++) {
      const key = own.filter((_, b) => mask & (1 << b)).join('\u0000');
      const i = this.byConditions.get(key);
      if (i !== undefined && (first === undefined || i < first)) first = i;
    }
    return first;
  }
}

function entries(when: ConditionConfig): string[] {
  return Object.entries(when)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .sort();
}

function isEmpty(when: ConditionConfig | undefined): boolean {
  return when === undefined || Object.keys(when).length === 0;
}
