/**
 * The shared live scenarios (test/scenarios/shared-scenarios.ts) on a real Asterisk 22.10.1: SIPp
 * callers through the carrier trunk, baresip desk phones, the carrier's far end for the cells.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, it, onTestFailed } from 'vitest';
import { SCENARIOS } from '../scenarios/shared-scenarios.js';
import type { World } from '../scenarios/world.js';
import { startRealWorld } from './real-world.js';
import { startTier, type Tier } from './tier.js';

let tier: Tier;
/** Transcripts of scenarios that ask for one (kept after the run: PBX_TRANSCRIPTS, else a temporary folder). */
const transcripts = process.env.PBX_TRANSCRIPTS ?? mkdtempSync(join(tmpdir(), 'pbx-transcripts-'));
let world: World | null = null;
beforeAll(async () => {
  tier = await startTier();
  console.log(`real-Asterisk tier: ${tier.version}; transcripts in ${transcripts}`);
}, 120_000);
afterAll(async () => {
  await tier?.stop();
}, 60_000);
afterEach(async () => {
  await world?.stop();
  world = null;
}, 60_000);

describe('shared live scenarios on a real Asterisk', () => {
  for (const s of SCENARIOS) {
    it(s.name, async () => {
      world = await startRealWorld(tier, s.world, s.transcript ? { transcript: join(transcripts, s.transcript) } : undefined);
      const w = world;
      onTestFailed(() => console.log(`--- ${s.name}\n${w.diagnostics()}`));
      await s.run(w);
    }, s.timeout);
  }
});
