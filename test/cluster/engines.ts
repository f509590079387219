/**
 * The engines of the cluster tier: `pbx-router run` child processes on one PostgreSQL store, each
 * with its own admin port and engine id, all given both Asterisk nodes (ASTERISK_NODES) and their
 * AMI (ASTERISK_AMI_NODES). Which of them leads is the lease's business; the test only kills,
 * pauses and asks them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REPO } from '../asterisk/real-asterisk.js';
import { NODES } from './cluster.js';

export interface EngineStatus {
  readonly role?: 'leader' | 'standby' | 'stopped';
  readonly ari?: string;
  readonly epoch?: number | null;
  readonly leader?: string | null;
  readonly callsInProgress?: number;
  readonly queues?: readonly { id: string; waiting: number; longestWait: number }[];
}

export const ADMIN_TOKEN = randomBytes(16).toString('hex');

/** One `pbx-router run` of the pair. */
export class ClusterEngine {
  private proc: ChildProcess | null = null;
  readonly logs: string[] = [];

  constructor(
    readonly id: string,
    readonly adminPort: number,
    private readonly o: { readonly config: string; readonly database: string; readonly secrets: Readonly<Record<string, string>>; readonly ttlMs: number },
  ) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Starts the process (it is a standby until it holds the lease). */
  start(): void {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ASTERISK_NODES: NODES.map((n) => `${n.name}=http://${n.address}:8088`).join(','),
      ASTERISK_ARI_USER: 'router',
      ASTERISK_ARI_PASSWORD: this.o.secrets.ASTERISK_ARI_PASSWORD,
      ASTERISK_AMI_NODES: NODES.map((n) => `${n.name}=${n.address}:5038`).join(','),
      ASTERISK_AMI_USER: 'router',
      ASTERISK_AMI_PASSWORD: this.o.secrets.ASTERISK_AMI_PASSWORD,
      PBX_ROUTER_SECRETS: '',
      PBX_ROUTER_ADMIN_TOKEN: ADMIN_TOKEN,
      PBX_ROUTER_ADMIN_LISTEN: `127.0.0.1:${this.adminPort}`,
      PBX_ROUTER_ENGINE_ID: this.id,
      PBX_ROUTER_LEASE_TTL_MS: String(this.o.ttlMs),
      // A node whose ARI socket stays away 3 s is lost (default 10 s): its calls are written off.
      ASTERISK_NODE_LOST_AFTER_MS: '3000',
    };
    this.proc = spawn(process.execPath, [join(REPO, 'bin/pbx-router.js'), 'run', '-c', this.o.config, '--db', this.o.database], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.logs.push(...d.toString().split('\n').filter(Boolean));
      if (process.env.PBX_TIER_DEBUG) for (const l of d.toString().split('\n').filter(Boolean)) console.log(`[${this.id}] ${l}`);
    };
    this.proc.stdout?.on('data', keep);
    this.proc.stderr?.on('data', keep);
  }

  /** GET /status, or null while the API does not answer. */
  async status(): Promise<EngineStatus | null> {
    try {
      const res = await fetch(`http://127.0.0.1:${this.adminPort}/status`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: AbortSignal.timeout(1000) });
      return res.ok ? ((await res.json()) as EngineStatus) : null;
    } catch {
      return null;
    }
  }

  async post(path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`http://127.0.0.1:${this.adminPort}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${this.id}: POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }

  /** Sends a signal; SIGKILL waits for the exit. */
  async signal(sig: NodeJS.Signals): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    if (sig !== 'SIGKILL') {
      p.kill(sig);
      return;
    }
    const ended = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGKILL');
    await ended;
  }

  /** Stops it (SIGTERM, then SIGKILL after 10 s). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const ended = new Promise<void>((r) => p.once('exit', () => r()));
    p.kill('SIGCONT');
    p.kill('SIGTERM');
    const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
    await ended;
    clearTimeout(t);
  }

  /** The log's lines matching `re`. */
  lines(re: RegExp): string[] {
    return this.logs.filter((l) => re.test(l));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms until it gives a value; the time it took in ms. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, ms: number, extra: () => string = () => ''): Promise<{ value: T; ms: number }> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return { value: v, ms: Date.now() - start };
    if (Date.now() - start > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}\n${extra()}`);
    await sleep(50);
  }
}
