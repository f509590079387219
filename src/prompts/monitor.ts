/**
 * The running engine's view of its prompts: at every connect to Asterisk and every reload, which of
 * the sounds the current config and the engine play are missing on the Asterisk. Each missing one
 * is logged once as a warning (again only if it comes back and goes missing again), and the last
 * result feeds `status`, `/metrics` and the wallboard. Nothing here touches a call: a missing prompt
 * is played anyway (Asterisk skips it) and the call goes on.
 */
import type { Plan } from '../routing/types.js';
import { checkUses, type SoundCatalog, SoundCatalogError } from './check.js';
import { soundUses, type PromptSource } from './uses.js';

/** A prompt a caller (or clinician) would not hear. */
export interface MissingPrompt {
  readonly sound: string;
  readonly language: string;
  readonly source: PromptSource;
  readonly where: readonly string[];
}

/** The last check: what is missing for which config, or why it could not be done. */
export interface PromptReport {
  /** When the last check ended (epoch ms), or null before the first. */
  readonly checkedAt: number | null;
  readonly configVersion: string | null;
  readonly missing: readonly MissingPrompt[];
  /** Sounds heard in English by callers of another language (no file in theirs). */
  readonly englishOnly: number;
  /** Why the last check could not be done, or null. */
  readonly error: string | null;
}

const EMPTY: PromptReport = { checkedAt: null, configVersion: null, missing: [], englishOnly: 0, error: null };

/** Checks the prompts of the running config against Asterisk and keeps the last result. */
export class PromptMonitor {
  private last: PromptReport = EMPTY;
  private running: Promise<PromptReport> = Promise.resolve(EMPTY);
  private readonly warned = new Set<string>();
  private lastError: string | null = null;

  constructor(
    private readonly catalog: SoundCatalog,
    private readonly log: (m: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The last result. */
  report(): PromptReport {
    return this.last;
  }

  /** Checks a plan's prompts after any check already running; never rejects. */
  check(plan: Plan): Promise<PromptReport> {
    this.running = this.running.then(() => this.run(plan));
    return this.running;
  }

  /** Resolves when every check asked for so far has ended. */
  settled(): Promise<PromptReport> {
    return this.running;
  }

  private async run(plan: Plan): Promise<PromptReport> {
    try {
      const checked = await checkUses(soundUses(plan), this.catalog);
      const missing = checked.filter((u) => u.status === 'missing').map(({ sound, language, source, where }) => ({ sound, language, source, where }));
      const now = new Set(missing.map((m) => `${m.sound} (${m.language})`));
      for (const m of missing) {
        const key = `${m.sound} (${m.language})`;
        if (this.warned.has(key)) continue;
        this.warned.add(key);
        this.log(`warning: prompt ${key} is not on the Asterisk: callers hear silence there (${m.where.join('; ')}); see \`pbx-router prompts check\``);
      }
      for (const key of [...this.warned]) if (!now.has(key)) this.warned.delete(key);
      this.lastError = null;
      this.last = { checkedAt: this.now(), configVersion: plan.version, missing, englishOnly: checked.filter((u) => u.status === 'fallback').length, error: null };
      if (missing.length === 0) this.log(`prompts: all ${new Set(checked.map((u) => u.sound)).size} sounds of config ${plan.version} are on the Asterisk`);
    } catch (e) {
      const message = e instanceof SoundCatalogError ? e.message : `prompt check failed: ${(e as Error).message}`;
      if (message !== this.lastError) this.log(`warning: cannot check the prompts on the Asterisk: ${message}`);
      this.lastError = message;
      this.last = { ...this.last, checkedAt: this.now(), error: message };
    }
    return this.last;
  }
}
