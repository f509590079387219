/**
 * An engine stand-in in its own process, for the tests that pause it (kill -STOP): it keeps the
 * lease named in argv and prints one JSON line per event on stdout. On the stdin line `write` it
 * says its keeper's role, then writes a row to `lease_writes` fenced by the epoch it first led with, whatever its keeper says
 * by then (a write that was already on its way when the process froze), and prints the outcome.
 *
 * argv: <postgres url> <lease name> <holder> <ttl ms>
 */
import { createInterface } from 'node:readline';
import { Client } from 'pg';
import { asFencedOut, fenced, type Fence } from '../../src/cluster/fence.js';
import { Lease } from '../../src/cluster/lease.js';
import { LeaseKeeper } from '../../src/cluster/lease-keeper.js';
import { openLeasePool } from '../../src/cluster/lease-pool.js';

const [url = '', name = 'engine', holder = 'child', ttl = '1000'] = process.argv.slice(2);
const say = (line: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(line)}\n`);
const pool = openLeasePool({ url, ttlMs: Number(ttl), onError: () => undefined });
const writer = new Client({ connectionString: url });
await writer.connect();
const keeper = new LeaseKeeper({ lease: new Lease(pool, name), holder, ttlMs: Number(ttl) });
let firstFence: Fence | undefined;
keeper.on('leader', (term) => {
  firstFence ??= { name, epoch: term.epoch };
  say({ event: 'leader', epoch: term.epoch });
});
keeper.on('lost', (loss) => say({ event: 'lost', epoch: loss.epoch, cause: loss.cause }));
keeper.start();

for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'write' || !firstFence) continue;
  say({ event: 'role-at-wake', role: keeper.role });
  try {
    await fenced(writer, firstFence, 'INSERT INTO lease_writes (lease, epoch, what) VALUES ($1, $2, $3)', [name, firstFence.epoch, 'late write']);
    say({ event: 'written', epoch: firstFence.epoch });
  } catch (e) {
    const f = asFencedOut(e);
    say(f ? { event: 'fenced-out', stale: f.staleEpoch, current: f.currentEpoch, reason: f.reason } : { event: 'error', message: String(e) });
  }
}
await keeper.stop();
await writer.end();
await pool.end();
