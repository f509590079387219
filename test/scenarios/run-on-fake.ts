/** Runs a list of scenarios on the fake Asterisk: a fresh world per scenario, its log printed when one fails. */
import { afterEach, describe, it, onTestFailed } from 'vitest';
import { startFakeWorld } from './fake-world.js';
import type { Scenario } from './shared-scenarios.js';
import type { World } from './world.js';

/** Registers `scenarios` under `title`, each on its own fake Asterisk (virtual time). */
export function describeOnFake(title: string, scenarios: readonly Scenario[], timeoutMs = 30_000): void {
  let world: World | null = null;
  afterEach(async () => {
    await world?.stop();
    world = null;
  });
  describe(title, () => {
    for (const s of scenarios) {
      it(s.name, async () => {
        world = await startFakeWorld(s.world);
        const w = world;
        onTestFailed(() => console.log(`--- ${s.name}\n${w.diagnostics()}`));
        await s.run(w);
      }, timeoutMs);
    }
  });
}
