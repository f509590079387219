/**
 * The shared live scenarios (test/scenarios/shared-scenarios.ts) against the fake Asterisk: the
 * same scenarios `npm run test:asterisk` runs against a real Asterisk 22 with SIP phones.
 */
import { afterEach, describe, it, onTestFailed } from 'vitest';
import { startFakeWorld } from './scenarios/fake-world.js';
import { SCENARIOS } from './scenarios/shared-scenarios.js';
import type { World } from './scenarios/world.js';

let world: World | null = null;
afterEach(async () => {
  await world?.stop();
  world = null;
});

describe('shared live scenarios on the fake Asterisk', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      world = await startFakeWorld(s.world);
      const w = world;
      onTestFailed(() => console.log(`--- ${s.name}\n${w.diagnostics()}`));
      await s.run(w);
    }, 30_000);
  }
});
