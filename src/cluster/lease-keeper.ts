/**
 * Keeps an engine's lease: a standby tries to take it every ttl/3; a leader renews it every ttl/3
 * and says `lost` at once when
 * - the database refuses a renewal (another engine took it, it expired, it was released), or
 * - its own clock says the lease's time ran out with no renewal accepted since.
 * The second rule is what makes a paused process safe: one that wakes after a kill -STOP, a long
 * GC or a frozen VM finds its deadline passed (timers run before any I/O it was waiting on) and
 * is lost before it does anything else; `term()` makes the same check for code about to act.
 *
 * The deadline is measured on this process's monotonic clock from when the last accepted renewal
 * was SENT, plus the ttl: the database set its expiry at some moment after that, by its own
 * clock, so this engine gives up no later than the database lets a standby take over (clock rates
 * aside: keep `ttlMs` well above any drift over one ttl). A renewal that fails because the database
 * cannot be reached is not a loss by itself (a PostgreSQL restart shorter than the ttl keeps the
 * leader): it is retried every ttl/10 until it is accepted or the deadline passes.
 *
 * After `lost` the keeper is a standby again and competes for the lease like any other; the engine
 * listening on `lost` stops acting at once (issue 19: it stops).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Lease, LeaseTerm, LostReason } from './lease.js';

export type Role = 'leader' | 'standby' | 'stopped';

/** Why leadership ended: the database's refusal, or `deadline` (no renewal accepted in time, by this engine's clock). */
export type LossCause = LostReason | 'deadline';

export interface LeadershipLost {
  readonly epoch: number;
  readonly cause: LossCause;
  /** Who holds the lease now, when the database said so. */
  readonly holder?: string | null;
}

export interface KeeperEvents {
  leader: [term: LeaseTerm];
  /** The database accepted a renewal (its expiry is in `term`). */
  renewed: [term: LeaseTerm];
  lost: [loss: LeadershipLost];
  /** A query failed (the database is down or slow); the keeper goes on. */
  problem: [error: unknown];
}

export interface KeeperOptions {
  readonly lease: Lease;
  /** This engine's id in the lease (host and process, unique per running engine). */
  readonly holder: string;
  readonly ttlMs: number;
  /** Monotonic milliseconds; default performance.now (tests may pass their own). */
  readonly now?: () => number;
}

/** Keeps (or waits for) the lease; see the file's comment. */
export class LeaseKeeper extends EventEmitter<KeeperEvents> {
  private state: Role = 'stopped';
  private current: LeaseTerm | undefined;
  /** Monotonic time after which this engine no longer counts itself the holder. */
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  /** Bumped on every change of role: an answer to a query sent in an earlier role is ignored. */
  private generation = 0;
  private readonly now: () => number;
  private readonly everyMs: number;
  private readonly retryMs: number;

  constructor(private readonly options: KeeperOptions) {
    super();
    this.now = options.now ?? (() => performance.now());
    this.everyMs = Math.max(10, Math.floor(options.ttlMs / 3));
    this.retryMs = Math.max(10, Math.floor(options.ttlMs / 10));
  }

  /** The role now; a leader whose deadline has passed becomes standby here (and `lost` is emitted). */
  get role(): Role {
    this.checkDeadline();
    return this.state;
  }

  /** The term this engine leads in, or undefined when it is not the leader now (checked against its own clock). */
  term(): LeaseTerm | undefined {
    return this.role === 'leader' ? this.current : undefined;
  }

  /** Starts competing for the lease at once. */
  start(): void {
    if (this.state !== 'stopped') return;
    this.becomeStandby(0);
  }

  /** Stops, and releases the lease if this engine still holds it. */
  async stop(): Promise<void> {
    const held = this.term();
    this.state = 'stopped';
    this.generation++;
    this.clearTimers();
    this.current = undefined;
    if (held) await this.options.lease.release(held).catch((e: unknown) => this.emit('problem', e));
  }

  private becomeStandby(delayMs: number): void {
    this.state = 'standby';
    this.current = undefined;
    this.generation++;
    this.clearTimers();
    this.schedule(delayMs, () => this.tryAcquire());
  }

  private async tryAcquire(): Promise<void> {
    const generation = this.generation;
    const sentAt = this.now();
    let term: LeaseTerm | null = null;
    try {
      term = await this.options.lease.acquire(this.options.holder, this.options.ttlMs);
    } catch (e) {
      if (generation === this.generation) this.emit('problem', e);
    }
    if (generation !== this.generation) return;
    if (!term) {
      this.schedule(this.everyMs, () => this.tryAcquire());
      return;
    }
    this.state = 'leader';
    this.current = term;
    this.generation++;
    this.deadline = sentAt + this.options.ttlMs;
    this.armDeadline();
    this.schedule(this.everyMs, () => this.renew());
    this.emit('leader', term);
  }

  private async renew(): Promise<void> {
    if (!this.checkDeadline() || !this.current) return;
    const generation = this.generation;
    const sentAt = this.now();
    try {
      const outcome = await this.options.lease.renew(this.current, this.options.ttlMs);
      if (generation !== this.generation || !this.checkDeadline()) return;
      if (outcome.kind === 'lost') {
        this.lose({ epoch: this.current.epoch, cause: outcome.reason, holder: outcome.holder });
        return;
      }
      this.current = outcome.term;
      this.deadline = Math.max(this.deadline, sentAt + this.options.ttlMs);
      this.armDeadline();
      this.schedule(this.everyMs, () => this.renew());
      this.emit('renewed', outcome.term);
    } catch (e) {
      if (generation !== this.generation) return;
      this.emit('problem', e);
      if (this.checkDeadline()) this.schedule(this.retryMs, () => this.renew());
    }
  }

  /** False (and `lost` emitted) when this engine led and its deadline has passed. */
  private checkDeadline(): boolean {
    if (this.state !== 'leader') return false;
    if (this.now() < this.deadline) return true;
    this.lose({ epoch: this.current?.epoch ?? 0, cause: 'deadline' });
    return false;
  }

  /** Says `lost` at the deadline even when nothing else runs (a renewal hanging on a dead connection). */
  private armDeadline(): void {
    clearTimeout(this.deadlineTimer);
    // A timer may fire a hair before performance.now() reaches the deadline: then it is armed again.
    this.deadlineTimer = setTimeout(() => {
      if (this.checkDeadline()) this.armDeadline();
    }, Math.max(1, Math.ceil(this.deadline - this.now())));
  }

  private lose(loss: LeadershipLost): void {
    this.becomeStandby(this.everyMs);
    this.emit('lost', loss);
  }

  private schedule(ms: number, run: () => Promise<void>): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void run(), ms);
  }

  private clearTimers(): void {
    clearTimeout(this.timer);
    clearTimeout(this.deadlineTimer);
    this.timer = undefined;
    this.deadlineTimer = undefined;
  }
}
