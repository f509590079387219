/**
 * Builds the PBX adapters for startEngine (main.ts): one Asterisk (AriTelephony, AmiPresence), or
 * several nodes from ASTERISK_NODES and ASTERISK_AMI_NODES (NodeTelephony, NodePresence; issue 19).
 * Without ASTERISK_NODES what is built is exactly the single-Asterisk engine's.
 */
import type { PresenceState } from './calls/agents.js';
import type { Inventory, Telephony, TelephonyEvent } from './calls/telephony.js';
import type { LineLog } from './logging/logger.js';
import { AmiPresence } from './asterisk/ami-presence.js';
import { AriTelephony, type AriSettings, type ConnectionState } from './asterisk/ari-telephony.js';
import { NodePresence, type Presence } from './asterisk/node-presence.js';
import type { NodeSetting } from './asterisk/node-settings.js';
import { NodeTelephony, type NodeState } from './asterisk/node-telephony.js';

export { nodesFromEnv, NodeSettingsError } from './asterisk/node-settings.js';

/** What the engine's wiring uses of the PBX connection, one Asterisk or several. */
export interface EngineTelephony extends Telephony {
  handler: (e: TelephonyEvent) => void;
  /** After every connect (of any node): reconcile with inventory(). */
  onConnected: () => Promise<void>;
  onState: (s: ConnectionState) => void;
  /** ApplicationReplaced: another connection took the application (on a node, named when there are several). */
  onReplaced: (node?: string) => void;
  start(): Promise<void>;
  stop(): void;
  connection(): ConnectionState;
  inventory(): Promise<Inventory>;
  adoptCaller(channel: string): void;
  bookkeeping(): ReturnType<AriTelephony['bookkeeping']>;
}

/** The ARI connection(s): `nodes` from nodesFromEnv (null: the one Asterisk at `single.url`). */
export function buildTelephony(
  nodes: readonly NodeSetting[] | null,
  single: AriSettings,
  log: LineLog,
  now: () => number,
  env: NodeJS.ProcessEnv = process.env,
): { telephony: EngineTelephony; nodes: () => NodeState[]; where: string; soundsUrl: string } {
  if (!nodes) {
    const telephony = new AriTelephony(single, log, now);
    return { telephony, nodes: () => [{ name: '', state: telephony.connection(), lost: false }], where: single.url, soundsUrl: single.url };
  }
  const lostAfterMs = Number(env.ASTERISK_NODE_LOST_AFTER_MS) || undefined;
  const telephony = new NodeTelephony(
    nodes.map((n) => ({ name: n.name, telephony: new AriTelephony({ ...single, url: n.ariUrl }, (m, f) => log(m, { ...f, node: n.name }), now) })),
    lostAfterMs ? { lostAfterMs } : {},
    log,
    now,
  );
  // Prompts are checked on the first node: every node is generated from the same sounds.
  return { telephony, nodes: () => telephony.nodes(), where: nodes.map((n) => `${n.name} ${n.ariUrl}`).join(', '), soundsUrl: nodes[0]!.ariUrl };
}

/**
 * Presence from the phones (AMI), when ASTERISK_AMI_PASSWORD is set: one AmiPresence per node of
 * ASTERISK_AMI_NODES, merged; otherwise one at ASTERISK_AMI_HOST/PORT (through Kamailio every node
 * sees every phone's registration; only in-use is per node).
 */
export function buildPresence(nodes: readonly NodeSetting[] | null, env: NodeJS.ProcessEnv, agents: ReadonlyMap<string, string>, onPresence: (agent: string, p: PresenceState) => void, log: (m: string) => void): Presence | null {
  const password = env.ASTERISK_AMI_PASSWORD;
  if (!password) return null;
  const user = env.ASTERISK_AMI_USER ?? 'router';
  const withAmi = (nodes ?? []).filter((n) => n.ami);
  if (withAmi.length === 0) return new AmiPresence({ host: env.ASTERISK_AMI_HOST ?? '127.0.0.1', port: Number(env.ASTERISK_AMI_PORT ?? 5038), user, password }, agents, onPresence, log);
  return new NodePresence(
    withAmi.map((n) => ({ name: n.name, settings: { ...n.ami!, user, password } })),
    agents,
    onPresence,
    log,
  );
}
