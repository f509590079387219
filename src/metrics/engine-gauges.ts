/**
 * The engine's state as Prometheus gauges, read at each scrape (nothing to keep up to date in
 * between): connections, calls in progress, callers waiting and the longest wait per queue, agents
 * per state, calls ended since start by outcome, prompts missing on the Asterisk.
 * Counts only: no caller numbers or names.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EngineView as Engine } from '../calls/call-engine.js';
import type { PromptReport } from '../prompts/monitor.js';

/** What the gauges read. */
export interface EngineView {
  readonly engine: Pick<Engine, 'currentPlan' | 'active' | 'endedByOutcome' | 'queueSnapshot' | 'agentSnapshot' | 'wedgedChannels'>;
  /** Connection states: ARI, and AMI when configured (null when not). */
  readonly health: () => { readonly ari: string; readonly ami: string | null; readonly role?: string; readonly epoch?: number };
  readonly prompts?: () => PromptReport;
  /** Whether the database keeps what is written, and the writes that failed since start. */
  readonly store?: () => { readonly state: 'ok' | 'degraded'; readonly failedWrites: number };
}

const AGENT_STATES = ['available', 'ringing', 'busy', 'wrap-up', 'paused', 'offline'] as const;

/** Registers the gauges on `registry`; each reads `view` when scraped. */
export function registerEngineGauges(registry: Registry, view: EngineView): void {
  const registers = [registry];
  const plan = () => view.engine.currentPlan();
  new Gauge({
    name: 'pbx_router_config_info',
    help: 'The running configuration version.',
    labelNames: ['version'],
    registers,
    collect() {
      this.reset();
      this.set({ version: plan().version }, 1);
    },
  });
  new Gauge({
    name: 'pbx_router_ari_connected',
    help: 'Whether the ARI event socket is connected (1) or not (0).',
    registers,
    collect() {
      this.set(view.health().ari === 'connected' ? 1 : 0);
    },
  });
  // Only an engine of an active/standby pair has a role (the standby's API shows the same gauges).
  registerRoleGauges(registry, () => view.health());
  new Gauge({
    name: 'pbx_router_ami_connected',
    help: 'Whether AMI (desk phone presence) is connected (1) or not (0); no sample when AMI is not configured.',
    registers,
    collect() {
      const ami = view.health().ami;
      if (ami === null) this.remove();
      else this.set(ami === 'connected' ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pbx_router_store_degraded',
    help: 'Whether the database fails to keep what the engine writes (1: calls go on from memory; see the log) or not (0).',
    registers,
    collect() {
      this.set(view.store?.().state === 'degraded' ? 1 : 0);
    },
  });
  new Counter({
    name: 'pbx_router_store_failed_writes_total',
    help: 'Database writes that failed since the engine started (disk full, read-only, I/O error).',
    registers,
    collect() {
      this.reset();
      this.inc(view.store?.().failedWrites ?? 0);
    },
  });
  new Gauge({
    name: 'pbx_router_calls_in_progress',
    help: 'Calls the engine is handling now.',
    registers,
    collect() {
      this.set(view.engine.active());
    },
  });
  new Gauge({
    name: 'pbx_router_channels_wedged',
    help: 'Channels Asterisk accepts requests for and never acts on, a hangup included (restart Asterisk to free them).',
    registers,
    collect() {
      this.set(view.engine.wedgedChannels().length);
    },
  });
  const perQueue = (name: string, help: string, value: (q: { waiting: number; longestWait: number } | undefined) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['queue'],
      registers,
      collect() {
        this.reset();
        const queues = view.engine.queueSnapshot();
        for (const queue of plan().queues.keys()) this.set({ queue }, value(queues[queue]));
      },
    });
  perQueue('pbx_router_queue_waiting', 'Callers waiting in each queue.', (q) => q?.waiting ?? 0);
  perQueue('pbx_router_queue_longest_wait_seconds', 'How long the longest-waiting caller of each queue has waited.', (q) => q?.longestWait ?? 0);
  new Gauge({
    name: 'pbx_router_agents',
    help: 'Agents in each state.',
    labelNames: ['state'],
    registers,
    collect() {
      const agents = view.engine.agentSnapshot();
      const count: Record<string, number> = Object.fromEntries(AGENT_STATES.map((s) => [s, 0]));
      for (const a of plan().agents.keys()) {
        const state = agents[a]?.state ?? 'offline';
        count[state] = (count[state] ?? 0) + 1;
      }
      this.reset();
      for (const [state, n] of Object.entries(count)) this.set({ state }, n);
    },
  });
  new Counter({
    name: 'pbx_router_calls_ended_total',
    help: 'Calls ended since the engine started, by outcome.',
    labelNames: ['outcome'],
    registers,
    collect() {
      // The engine keeps the counts (they only grow); the counter shows them as they are now.
      this.reset();
      for (const [outcome, n] of Object.entries(view.engine.endedByOutcome()).sort()) this.inc({ outcome }, n);
    },
  });
  registerPromptGauges(registry, view);
}

/** The prompt check's gauges: no sample until the first check (remove() drops a gauge's one unlabelled sample). */
function registerPromptGauges(registry: Registry, view: EngineView): void {
  const registers = [registry];
  const report = () => {
    const r = view.prompts?.();
    return r?.checkedAt != null ? r : null;
  };
  new Gauge({
    name: 'pbx_router_prompts_check_ok',
    help: 'Whether the last check of the prompts on Asterisk (ARI sounds) worked (1) or not (0).',
    registers,
    collect() {
      const r = report();
      if (r) this.set(r.error === null ? 1 : 0);
      else this.remove();
    },
  });
  new Gauge({
    name: 'pbx_router_prompts_missing',
    help: 'Sounds (per language) the running config or the engine plays that Asterisk does not have: callers hear silence there.',
    registers,
    collect() {
      const r = report();
      if (r) this.set(r.missing.length);
      else this.remove();
    },
  });
  new Gauge({
    name: 'pbx_router_prompt_missing',
    help: 'Each missing sound, by language (1 while missing).',
    labelNames: ['sound', 'language'],
    registers,
    collect() {
      this.reset();
      for (const m of report()?.missing ?? []) this.set({ sound: m.sound, language: m.language }, 1);
    },
  });
}

/**
 * The pair's gauges: `pbx_router_engine_role{role}` (1 for this engine's role) and
 * `pbx_router_lease_epoch`; no sample when `read` gives no role or epoch (a single engine).
 * Registered by the leader's API (above) and the standby's (src/cluster/engine-pair.ts).
 */
export function registerRoleGauges(registry: Registry, read: () => { readonly role?: string; readonly epoch?: number | null }): void {
  const registers = [registry];
  new Gauge({
    name: 'pbx_router_engine_role',
    help: 'This engine’s role in the active/standby pair (1 for the role it has).',
    labelNames: ['role'],
    registers,
    collect() {
      this.reset();
      const role = read().role;
      if (role === undefined) return;
      for (const r of ['leader', 'standby']) this.set({ role: r }, role === r ? 1 : 0);
    },
  });
  new Gauge({
    name: 'pbx_router_lease_epoch',
    help: 'The lease epoch (term): the one this engine leads in, or the lease’s as a standby last read it; no sample outside an active/standby pair.',
    registers,
    collect() {
      const epoch = read().epoch;
      if (epoch === undefined || epoch === null) this.remove();
      else this.set(epoch);
    },
  });
}
