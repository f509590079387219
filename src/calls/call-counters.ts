/** What the engine counts for `status` and /metrics: calls ended by outcome, and channels wedged in Asterisk. */

export interface WedgedChannel {
  readonly channel: string;
  readonly call: string | null;
  readonly since: number;
}

export class CallCounters {
  private readonly ended = new Map<string, number>();
  private readonly wedged = new Map<string, { call: string | null; since: number }>();

  endedAs(outcome: string): void {
    this.ended.set(outcome, (this.ended.get(outcome) ?? 0) + 1);
  }

  /** Calls ended since this engine started, by outcome. */
  endedByOutcome(): Readonly<Record<string, number>> {
    return Object.fromEntries(this.ended);
  }

  /** A channel Asterisk no longer acts on: only an Asterisk restart frees it. */
  wedge(channel: string, call: string | null, since: number): void {
    this.wedged.set(channel, { call, since });
  }

  isWedged(channel: string): boolean {
    return this.wedged.has(channel);
  }

  wedgedChannels(): WedgedChannel[] {
    return [...this.wedged].map(([channel, w]) => ({ channel, ...w }));
  }
}
