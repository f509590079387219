/**
 * Where NodeTelephony's bridges are (issue 19). A bridge is made on a node when its first channel
 * there is added, under the engine's id: a queue's holding bridge so exists on every node with one
 * of its callers, each copy with the queue's music (the class is kept for nodes that make it
 * later); a call's mixing bridge is on the caller's node, where its agent leg is originated too.
 */
import { TelephonyError } from '../calls/telephony.js';
import type { LineLog } from '../logging/logger.js';
import type { AriTelephony } from './ari-telephony.js';

/** A node as the bridges need it. */
export interface BridgeNode {
  readonly name: string;
  readonly ari: Pick<AriTelephony, 'createBridge' | 'startBridgeMoh' | 'destroyBridge'>;
}

interface Spot {
  readonly kind: 'holding' | 'mixing';
  readonly name: string;
  /** The music on hold class, for the nodes the bridge is made on later. */
  moh: string | null;
  /** The nodes it is on, each with the promise of it being there (with its music when it has a class). */
  readonly nodes: Map<string, { readonly node: BridgeNode; readonly made: Promise<void> }>;
}

export class NodeBridges {
  private readonly spots = new Map<string, Spot>();

  constructor(private readonly log: LineLog) {}

  /** A bridge the engine created: on no node yet. */
  create(bridgeId: string, kind: 'holding' | 'mixing', name: string): void {
    if (this.spots.has(bridgeId)) throw new TelephonyError('conflict', `ARI bridges.create: bridge ${bridgeId} already exists`, 409);
    this.spots.set(bridgeId, { kind, name, moh: null, nodes: new Map() });
  }

  /** A bridge the node's inventory holds (after a restart or a reconnect). */
  found(bridgeId: string, node: BridgeNode): void {
    const spot = this.spots.get(bridgeId) ?? { kind: bridgeId.startsWith('pbx-call-') ? 'mixing' : 'holding', name: bridgeId, moh: null, nodes: new Map() };
    spot.nodes.set(node.name, { node, made: Promise.resolve() });
    this.spots.set(bridgeId, spot);
  }

  /** The bridge on the node, made there (with its music) when it is not there yet; an unknown bridge is left to Asterisk to find. */
  async on(bridgeId: string, node: BridgeNode): Promise<void> {
    const spot = this.spots.get(bridgeId);
    if (!spot) return;
    const there = spot.nodes.get(node.name);
    if (there) return there.made;
    if (spot.kind === 'mixing' && spot.nodes.size > 0) this.log(`warning: bridge ${bridgeId} gets a channel on node ${node.name} while it is on ${[...spot.nodes.keys()].join(', ')}: parties on two nodes do not hear each other`, { node: node.name });
    const made = node.ari
      .createBridge(bridgeId, spot.kind, spot.name)
      .catch((e: unknown) => {
        // Already there (found after a restart, or a retry after a time-out): it is used as it is.
        if (!(e instanceof TelephonyError && e.code === 'conflict')) throw e;
      })
      .then(() => (spot.moh ? node.ari.startBridgeMoh(bridgeId, spot.moh) : undefined));
    const entry = { node, made };
    spot.nodes.set(node.name, entry);
    made.catch(() => {
      if (spot.nodes.get(node.name) === entry) spot.nodes.delete(node.name);
    });
    return made;
  }

  /** Starts the music on every node the bridge is on and keeps the class for the nodes it is made on later; false for a bridge not known. */
  async startMoh(bridgeId: string, mohClass: string): Promise<boolean> {
    const spot = this.spots.get(bridgeId);
    if (!spot) return false;
    spot.moh = mohClass;
    await Promise.all([...spot.nodes.values()].map(({ node, made }) => made.then(() => node.ari.startBridgeMoh(bridgeId, mohClass))));
    return true;
  }

  /** Forgets the bridge and destroys it on the nodes `reachable` says are connected; false for a bridge not known. */
  async destroy(bridgeId: string, reachable: (node: string) => boolean): Promise<boolean> {
    const spot = this.spots.get(bridgeId);
    if (!spot) return false;
    this.spots.delete(bridgeId);
    // A node that is down keeps its copy until it is back: its reconcile removes bridges nobody uses.
    const there = [...spot.nodes.values()].filter(({ node }) => reachable(node.name));
    await Promise.all(there.map(({ node, made }) => made.catch(() => undefined).then(() => node.ari.destroyBridge(bridgeId))));
    return true;
  }

  /** The node was lost: its copies are gone (a node that comes back has them made again, or found). */
  forgetNode(name: string): void {
    for (const spot of this.spots.values()) spot.nodes.delete(name);
  }
}
