/**
 * The restart scenarios (test/scenarios/restart-scenarios.ts) on a real Asterisk 22.10.1: SIPp
 * callers through the carrier trunk, baresip desk phones, the carrier's far end for the cells.
 */
import { afterAll, afterEach, beforeAll, describe, it, onTestFailed } from 'vitest';
import { RESTART_SCENARIOS } from '../scenarios/restart-scenarios.js';
import type { World } from '../scenarios/world.js';
import { startRealWorld } from './real-world.js';
import { startTier, type Tier } from './tier.js';

let tier: Tier;
let world: World | null = null;
beforeAll(async () => {
  tier = await startTier();
  console.log(`real-Asterisk tier: ${tier.version}`);
}, 120_000);
afterAll(async () => {
  await tier?.stop();
}, 60_000);
afterEach(async () => {
  await world?.stop();
  world = null;
}, 60_000);

describe('restart scenarios on a real Asterisk', () => {
  for (const s of RESTART_SCENARIOS) {
    it(s.name, async () => {
      world = await startRealWorld(tier, s.world);
      const w = world;
      onTestFailed(() => console.log(`--- ${s.name}\n${w.diagnostics()}`));
      await s.run(w);
    }, s.timeout);
  }
});
