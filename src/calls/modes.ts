/** The manual day/night overrides clinic IT sets (per site or for every site), kept in the store across restarts. */
import type { Mode } from '../routing/types.js';
import type { CallStore } from '../store/call-store.js';
import type { Clock } from './clock.js';
import { lastKnown } from './last-known.js';

export class Modes {
  private readonly read: () => Readonly<Record<string, Mode>>;

  constructor(
    private readonly store: Pick<CallStore, 'setting' | 'setSetting'>,
    private readonly clock: Clock,
    private readonly log: (message: string) => void,
  ) {
    this.read = lastKnown(() => this.store.setting<Record<string, Mode>>('modes') ?? {}, {}, 'day/night overrides', log);
  }

  /** The overrides in force ('*' for every site); the last known ones while the store cannot be read. */
  current(): Readonly<Record<string, Mode>> {
    return this.read();
  }

  /** Sets the manual mode for a site or every site ('auto' removes the override; for every site, all of them). */
  set(mode: Mode, site: string | null): Record<string, Mode> {
    const modes = { ...this.current() };
    const key = site ?? '*';
    if (mode === 'auto') {
      delete modes[key];
      if (site === null) for (const k of Object.keys(modes)) delete modes[k];
    } else modes[key] = mode;
    this.store.setSetting('modes', modes, this.clock.now());
    this.log(`mode ${mode} for ${site ?? 'every site'}`);
    return modes;
  }
}
