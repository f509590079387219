/**
 * Runs a list of scenarios (test/scenarios/) on a real Asterisk: one tier for the file, a fresh
 * world (engine, database) per scenario, and the diagnostics printed when one fails.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, it, onTestFailed } from 'vitest';
import type { Scenario } from '../scenarios/shared-scenarios.js';
import type { World } from '../scenarios/world.js';
import { startRealWorld } from './real-world.js';
import { startTier, type Tier } from './tier.js';

/** Registers `scenarios` under `title`, each on the real Asterisk of this file's tier. */
export function describeOnRealAsterisk(title: string, scenarios: readonly Scenario[]): void {
  let tier: Tier;
  let world: World | null = null;
  /** Transcripts of scenarios that ask for one (kept after the run: PBX_TRANSCRIPTS, else a temporary folder). */
  const transcripts = process.env.PBX_TRANSCRIPTS ?? mkdtempSync(join(tmpdir(), 'pbx-transcripts-'));
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
  describe(title, () => {
    for (const s of scenarios) {
      it(s.name, async () => {
        world = await startRealWorld(tier, s.world, s.transcript ? { transcript: join(transcripts, s.transcript) } : undefined);
        const w = world;
        onTestFailed(() => console.log(`--- ${s.name}\n${w.diagnostics()}`));
        await s.run(w);
      }, s.timeout);
    }
  });
}
