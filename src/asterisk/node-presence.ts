/**
 * Desk phone presence from several Asterisk nodes (issue 19): one AmiPresence per node, merged.
 * What each node's AMI says of a phone: reachability from its PJSIP contact, which every node
 * qualifies through Kamailio (where the phones register), so every node sees the same phone; and
 * in-use from the node's own channels only (a phone talking on node b is NOT_INUSE on node a).
 * So the merge is: in use on any node -> in use; else reachable on any node -> reachable; else
 * unreachable. A node whose AMI is not connected counts for nothing (its last word is stale);
 * when no node has a word on a phone, its presence stays as it was, as with one Asterisk.
 * The failsafe voicemail box is per node (the failsafe dialplan runs where the caller is): its
 * messages are the union of the connected nodes' boxes.
 */
import type { PresenceState } from '../calls/agents.js';
import type { BoxMessage } from '../notify/failsafe-box.js';
import { AmiPresence, type AmiSettings, type AmiState } from './ami-presence.js';

/** What main.ts uses of AmiPresence; NodePresence has the same. */
export type Presence = Pick<AmiPresence, 'health' | 'setAgents' | 'watchMailbox' | 'mailboxSummary' | 'start' | 'stop'>;

const RANK: Record<PresenceState, number> = { unreachable: 0, reachable: 1, 'in-use': 2 };

export class NodePresence implements Presence {
  private readonly nodes: { readonly name: string; readonly ami: AmiPresence }[];
  /** node -> agent -> what that node said last. */
  private readonly said = new Map<string, Map<string, PresenceState>>();
  private readonly merged = new Map<string, PresenceState>();

  constructor(
    nodes: readonly { readonly name: string; readonly settings: AmiSettings }[],
    agentsByDevice: ReadonlyMap<string, string>,
    private readonly onPresence: (agent: string, presence: PresenceState) => void,
    log: (m: string) => void = () => {},
    /** Builds one node's AMI client (tests pass one on a fake AMI). */
    connect: (settings: AmiSettings, agents: ReadonlyMap<string, string>, onPresence: (agent: string, p: PresenceState) => void, log: (m: string) => void) => AmiPresence = (s, a, p, l) => new AmiPresence(s, a, p, l),
  ) {
    this.nodes = nodes.map((n) => {
      const said = new Map<string, PresenceState>();
      this.said.set(n.name, said);
      const ami = connect(
        n.settings,
        agentsByDevice,
        (agent, p) => {
          said.set(agent, p);
          this.update(agent);
        },
        (m) => log(`node ${n.name}: ${m}`),
      );
      ami.onState = (s: AmiState) => {
        if (s === 'connected' || said.size === 0) return;
        const agents = [...said.keys()];
        said.clear();
        for (const agent of agents) this.update(agent);
      };
      return { name: n.name, ami };
    });
  }

  private update(agent: string): void {
    let best: PresenceState | null = null;
    for (const said of this.said.values()) {
      const p = said.get(agent);
      if (p && (best === null || RANK[p] > RANK[best])) best = p;
    }
    if (best === null || this.merged.get(agent) === best) return;
    this.merged.set(agent, best);
    this.onPresence(agent, best);
  }

  /** Connected when any node's AMI is; fully booted when a connected one said so. */
  health(): { state: AmiState; fullyBooted: boolean } {
    const all = this.nodes.map((n) => n.ami.health());
    const up = all.filter((h) => h.state === 'connected');
    if (up.length > 0) return { state: 'connected', fullyBooted: up.some((h) => h.fullyBooted) };
    const state: AmiState = all.some((h) => h.state === 'connecting') ? 'connecting' : all.every((h) => h.state === 'stopped') ? 'stopped' : 'disconnected';
    return { state, fullyBooted: false };
  }

  /** Each node's AMI state. */
  nodeStates(): { name: string; state: AmiState }[] {
    return this.nodes.map((n) => ({ name: n.name, state: n.ami.health().state }));
  }

  setAgents(agentsByDevice: ReadonlyMap<string, string>): void {
    for (const n of this.nodes) n.ami.setAgents(agentsByDevice);
  }

  watchMailbox(box: string, changed: () => void): void {
    for (const n of this.nodes) n.ami.watchMailbox(box, changed);
  }

  /** The box's messages on every connected node (app_voicemail's msg ids are `<epoch>-<counter>`, per node). */
  async mailboxSummary(box: string): Promise<BoxMessage[]> {
    const up = this.nodes.filter((n) => n.ami.health().state === 'connected');
    if (up.length === 0) throw new Error(`AMI is not connected to any node; cannot read voicemail box ${box}`);
    const lists = await Promise.all(up.map((n) => n.ami.mailboxSummary(box)));
    return lists.flat();
  }

  start(): void {
    for (const n of this.nodes) n.ami.start();
  }

  stop(): void {
    for (const n of this.nodes) n.ami.stop();
  }
}
