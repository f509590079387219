/**
 * test/live-ari-only.test.ts (the lab's REST-only harness: sim-caller callers, sim-agent agents)
 * against the tier's real Asterisk, as a clinic runs it against its own test server with
 * ASTERISK_ARI_URL and ASTERISK_ARI_PASSWORD set. Its time-outs were shorter than its real-time
 * waits (issue 11); here it must pass in real time.
 */
import { afterAll } from 'vitest';
import { startTier } from './tier.js';

const tier = await startTier();
process.env.ASTERISK_ARI_URL = 'http://127.0.0.1:8088';
process.env.ASTERISK_ARI_USER = 'router';
process.env.ASTERISK_ARI_PASSWORD = tier.secrets.ASTERISK_ARI_PASSWORD;
afterAll(async () => {
  delete process.env.ASTERISK_ARI_URL;
  delete process.env.ASTERISK_ARI_PASSWORD;
  await tier.stop();
}, 60_000);

await import('../live-ari-only.test.js');
