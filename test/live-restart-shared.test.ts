/**
 * The restart scenarios (test/scenarios/restart-scenarios.ts) against the fake Asterisk; the same
 * run against a real Asterisk 22 in `npm run test:asterisk` (test/asterisk/restart.test.ts).
 */
import { afterEach, describe, it, onTestFailed } from 'vitest';
import { startFakeWorld } from './scenarios/fake-world.js';
import { RESTART_SCENARIOS } from './scenarios/restart-scenarios.js';
import type { World } from './scenarios/world.js';

let world: World | null = null;
afterEach(async () => {
  await world?.stop();
  world = null;
});

describe('restart scenarios on the fake Asterisk', () => {
  for (const s of RESTART_SCENARIOS) {
    it(s.name, async () => {
      world = await startFakeWorld(s.world);
      const w = world;
      onTestFailed(() => console.log(`--- ${s.name}\n${w.diagnostics()}`));
      await s.run(w);
    }, 60_000);
  }
});
