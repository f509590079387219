/**
 * The Stasis control command queue of a channel (or of a bridge's announcer): playbacks and
 * recordings run one after another, so a play or record requested while a prompt is playing
 * waits (its playback stays `queued`) until the earlier one ends.
 */

/** One queued command. */
export interface ControlCommand {
  /** Starts the command; it must call `done()` exactly once when it ends. */
  start(done: () => void): void;
  /** Drops a command that never started (the channel went away). */
  drop(): void;
}

/** The command queues of all channels and bridges. */
export class ControlQueues {
  private readonly queues = new Map<string, ControlCommand[]>();
  private readonly running = new Map<string, ControlCommand>();

  /** Queues a command on a target (`channel:<id>` or `bridge:<id>`); runs it at once if idle. */
  enqueue(target: string, cmd: ControlCommand): void {
    const q = this.queues.get(target) ?? [];
    q.push(cmd);
    this.queues.set(target, q);
    if (!this.running.has(target)) this.next(target);
  }

  /** The target is gone: queued commands are dropped (the running one ends by itself). */
  clear(target: string): void {
    const q = this.queues.get(target) ?? [];
    this.queues.delete(target);
    for (const cmd of q) cmd.drop();
  }

  /** True if the command is waiting (not started). */
  isQueued(target: string, cmd: ControlCommand): boolean {
    return (this.queues.get(target) ?? []).includes(cmd);
  }

  private next(target: string): void {
    const q = this.queues.get(target);
    const cmd = q?.shift();
    if (!cmd) {
      this.running.delete(target);
      this.queues.delete(target);
      return;
    }
    this.running.set(target, cmd);
    let finished = false;
    cmd.start(() => {
      if (finished) return;
      finished = true;
      this.running.delete(target);
      this.next(target);
    });
  }
}
