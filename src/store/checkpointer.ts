/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the commit that
 * fills the WAL and copies pages back into the database file there and then (10 to 30 ms on this
 * project's machines), stalling every call in progress; under load that was most of the engine's
 * p99 StasisStart-to-first-command latency. The running engine turns the automatic checkpoint off
 * on its connection and a worker thread with its own connection checkpoints every second
 * (PASSIVE: it never blocks the engine's writes or reads). If the worker fails, the automatic
 * checkpoint comes back on, so the WAL never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { SqliteDb } from './db.js';

/** SQLite's own default (pages): what the connection goes back to without the worker. */
const AUTO_CHECKPOINT_PAGES = 1000;

// CommonJS, evaluated in the worker: better-sqlite3 is loaded from the path the main thread resolved.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (e) { parentPort.postMessage({ error: String(e && e.message) }); }
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/** Starts checkpointing `path` from a worker thread; `db` is the engine's connection to it. */
export function startCheckpointer(db: SqliteDb, path: string, log: (m: string) => void, intervalMs = 1000): Checkpointer {
  if (path === ':memory:') return { stop: async () => {} };
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, path, intervalMs } });
  worker.unref();
  db.pragma('wal_autocheckpoint = 0');
  let stopping = false;
  const fallBack = (why: string) => {
    if (stopping) return;
    log(`database checkpoints: ${why}; SQLite checkpoints automatically again`);
    db.pragma(`wal_autocheckpoint = ${AUTO_CHECKPOINT_PAGES}`);
  };
  worker.on('message', (m: { error?: string }) => m.error && log(`database checkpoint failed: ${m.error}`));
  worker.on('error', (e) => fallBack(`the checkpoint worker failed (${e.message})`));
  worker.on('exit', (code) => code !== 0 && fallBack(`the checkpoint worker exited with code ${code}`));
  return {
    stop: async () => {
      stopping = true;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('stop');
      // A referenced timer: when nothing else holds the event loop (a start that failed early),
      // an unreferenced one let the process end here with exit code 13 before stop() returned.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
      await worker.terminate();
    },
  };
}
