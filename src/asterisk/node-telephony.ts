/**
 * The Telephony port on several Asterisk nodes (issue 19): one AriTelephony per node, composed.
 * Each channel is worked on the node it lives on: a caller where it arrived, an agent leg on the
 * caller's node (the desk phones are reached from every node through Kamailio). Queues and agents
 * stay one pool in the engine; a queue's holding bridge exists, under one id, on every node that
 * has one of its callers, each with the queue's music (see node-bridges.ts).
 *
 * Ids: Asterisk's own channel ids carry the node's `systemname` (`a-1796292997.12`, set by
 * `asterisk-config --node`), so no two nodes share one; the ids the engine chooses (legs, bridges,
 * playbacks, recordings) are made from its call ids and are unique across nodes already.
 *
 * A node whose event socket is lost and not back within `lostAfterMs` is written off: every
 * channel known on it ends now, as a hangup marked `nodeLost` (the engine records the call as
 * node-lost, hangs up its legs and frees its agents); calls on the other nodes go on. A node that
 * comes back is used again after its reconcile.
 */
import type { LineLog } from '../logging/logger.js';
import type { Inventory, Media, OriginateRequest, PlaybackEnd, RecordingResult, RecordOptions, Telephony, TelephonyEvent } from '../calls/telephony.js';
import { TelephonyError } from '../calls/telephony.js';
import type { AriTelephony, ConnectionState } from './ari-telephony.js';
import { NodeBridges } from './node-bridges.js';

/** Why 10 s: ari-client's reconnect and a busy Asterisk's restart of its HTTP server take a few seconds; a caller in silence longer than that has hung up. */
export const NODE_LOST_AFTER_MS = 10_000;
/** 0.3 s, 10 s. */
const seconds = (ms: number) => `${Number((ms / 1000).toFixed(2))} s`;
/** Why 60 s: as AriTelephony's memory of ended channels: their last requests (a hangup, a bridge removal) come within it. */
const FORGET_ENDED_AFTER_MS = 60_000;

/** One node's state as status and metrics show it. */
export interface NodeState {
  readonly name: string;
  readonly state: ConnectionState;
  /** Gone past the grace period: its calls were written off. */
  readonly lost: boolean;
}

interface Node {
  readonly name: string;
  readonly ari: AriTelephony;
  state: ConnectionState;
  everConnected: boolean;
  lost: boolean;
  lostTimer: ReturnType<typeof setTimeout> | null;
}

interface ChannelSpot {
  readonly node: string;
  readonly role: 'caller' | 'leg';
  answered: boolean;
  endedAt: number | null;
}

export class NodeTelephony implements Telephony {
  handler: (e: TelephonyEvent) => void = () => {};
  /** Called after every connect and reconnect of any node, one at a time (reconcile here: the inventory covers the nodes connected now). */
  onConnected: () => Promise<void> = async () => {};
  /** The aggregate state (see connection()) when it changes. */
  onState: (s: ConnectionState) => void = () => {};
  /** A node gave the application to another connection (ApplicationReplaced): another engine serves it now. */
  onReplaced: (node?: string) => void = (node) => this.log(`error: node ${node ?? "?"}: ARI application taken by another connection (ApplicationReplaced): another pbx-router runs against this node with the same application`);
  private readonly nodeList: Node[];
  private readonly byPrefix: Node[];
  private readonly channels = new Map<string, ChannelSpot>();
  private readonly bridges: NodeBridges;
  private readonly playbackNode = new Map<string, string>();
  private readonly recordingNode = new Map<string, string>();
  private state: ConnectionState = 'disconnected';
  private stopped = false;
  private reconciles: Promise<void> = Promise.resolve();

  constructor(
    nodes: readonly { readonly name: string; readonly telephony: AriTelephony }[],
    private readonly options: { readonly lostAfterMs?: number } = {},
    private readonly log: LineLog = () => {},
    private readonly now: () => number = Date.now,
  ) {
    if (nodes.length === 0) throw new Error('NodeTelephony needs at least one Asterisk node');
    this.bridges = new NodeBridges(log);
    this.nodeList = nodes.map((n) => ({ name: n.name, ari: n.telephony, state: n.telephony.connection(), everConnected: false, lost: false, lostTimer: null }));
    // Longest name first: a channel `a-1-179…` of node `a-1` is not taken for node `a`'s.
    this.byPrefix = [...this.nodeList].sort((x, y) => y.name.length - x.name.length);
    for (const node of this.nodeList) {
      node.ari.handler = (e) => this.fromNode(node, e);
      node.ari.onState = (s) => this.nodeState(node, s);
      node.ari.onConnected = () => this.connected(node);
      node.ari.onReplaced = () => this.onReplaced(node.name);
    }
  }

  /** Each node's state. */
  nodes(): NodeState[] {
    return this.nodeList.map((n) => ({ name: n.name, state: n.state, lost: n.lost }));
  }

  /** Connected when at least one node is: calls go on with the nodes there are. */
  connection(): ConnectionState {
    if (this.stopped) return 'stopped';
    if (this.nodeList.some((n) => n.state === 'connected')) return 'connected';
    return this.nodeList.some((n) => n.state === 'connecting') ? 'connecting' : 'disconnected';
  }

  /** Connects every node and keeps them connected until stop(); resolves when the first one is connected (a node that is down must not hold up the others). */
  async start(): Promise<void> {
    this.stopped = false;
    await Promise.race(this.nodeList.map((n) => n.ari.start()));
  }

  /** Closes every node's connection for good. */
  stop(): void {
    this.stopped = true;
    for (const n of this.nodeList) {
      if (n.lostTimer) clearTimeout(n.lostTimer);
      n.lostTimer = null;
      n.ari.stop();
    }
    this.updateState();
  }

  /** Per-channel structures of every node, summed (near 0 when idle). */
  bookkeeping(): ReturnType<AriTelephony['bookkeeping']> {
    const sum = { callers: 0, legs: 0, ended: 0, playbacks: 0, recordings: 0, expectations: 0 };
    for (const n of this.nodeList) for (const [k, v] of Object.entries(n.ari.bookkeeping())) sum[k as keyof typeof sum] += v;
    return sum;
  }

  private nodeState(node: Node, s: ConnectionState): void {
    node.state = s;
    if (s === 'connected') {
      node.everConnected = true;
      if (node.lostTimer) clearTimeout(node.lostTimer);
      node.lostTimer = null;
    } else if (node.everConnected && !node.lost && !node.lostTimer && !this.stopped && s !== 'stopped') {
      const after = this.options.lostAfterMs ?? NODE_LOST_AFTER_MS;
      this.log(`warning: Asterisk node ${node.name} disconnected; its calls are written off if it is not back within ${seconds(after)}`, { node: node.name });
      node.lostTimer = setTimeout(() => this.lose(node), after);
      node.lostTimer.unref?.();
    }
    this.updateState();
  }

  private updateState(): void {
    const s = this.connection();
    if (s === this.state) return;
    this.state = s;
    this.onState(s);
  }

  private connected(node: Node): Promise<void> {
    if (node.lost) this.log(`Asterisk node ${node.name} is back; it takes calls again`, { node: node.name });
    node.lost = false;
    // One reconcile at a time: two nodes connecting together must not reconcile over each other.
    const run = this.reconciles.then(() => this.onConnected());
    this.reconciles = run.catch(() => undefined);
    return run;
  }

  /** The node did not come back in time: everything on it ends now, the calls on the other nodes go on. */
  private lose(node: Node): void {
    node.lostTimer = null;
    if (node.state === 'connected' || this.stopped) return;
    node.lost = true;
    node.ari.writeOff();
    this.bridges.forgetNode(node.name);
    const on = [...this.channels].filter(([, c]) => c.node === node.name && c.endedAt === null);
    const callers = on.filter(([, c]) => c.role === 'caller').length;
    this.log(`error: Asterisk node ${node.name} lost: not back within ${seconds(this.options.lostAfterMs ?? NODE_LOST_AFTER_MS)}; its ${callers} call(s) are written off and its ${on.length - callers} agent leg(s) ended; routing goes on with ${this.nodeList.filter((n) => !n.lost).map((n) => n.name).join(', ') || 'no node'}`, { node: node.name });
    // Callers first: their calls end and hang up their legs; a leg's own event then finds no call.
    for (const [channel, c] of [...on.filter(([, x]) => x.role === 'caller'), ...on.filter(([, x]) => x.role === 'leg')]) {
      c.endedAt = this.now();
      if (c.role === 'leg' && !c.answered) this.emit({ type: 'leg-failed', channel, reason: 'failed', at: this.now() });
      else this.emit({ type: 'hangup', channel, at: this.now(), nodeLost: node.name });
    }
  }

  private emit(e: TelephonyEvent): void {
    try {
      this.handler(e);
    } catch (err) {
      this.log(`ARI: error while handling an event: ${(err as Error).message}`);
    }
  }

  private fromNode(node: Node, e: TelephonyEvent): void {
    const known = this.channels.get(e.channel);
    if (e.type === 'call-arrived') {
      this.forgetEnded();
      this.channels.set(e.channel, { node: node.name, role: 'caller', answered: true, endedAt: null });
    } else if (e.type === 'leg-answered' && known) known.answered = true;
    else if ((e.type === 'hangup' || e.type === 'leg-failed') && known) known.endedAt = this.now();
    this.emit(e);
  }

  private forgetEnded(): void {
    const before = this.now() - FORGET_ENDED_AFTER_MS;
    for (const [id, c] of this.channels) if (c.endedAt !== null && c.endedAt < before) this.channels.delete(id);
  }

  /** The node a channel is on: as learnt (arrival, originate, inventory), else by its id's systemname prefix. */
  private nodeOf(channel: string): Node | null {
    const name = this.channels.get(channel)?.node;
    if (name) return this.nodeList.find((n) => n.name === name) ?? null;
    return this.byPrefix.find((n) => channel.startsWith(`${n.name}-`)) ?? (this.nodeList.length === 1 ? this.nodeList[0]! : null);
  }

  /** The node to act on a channel on; a channel of a lost node (or of none) is gone. */
  private on(channel: string, op: string): Node {
    const node = this.nodeOf(channel);
    if (!node) throw new TelephonyError('not-found', `ARI ${op}: channel ${channel} is on no known Asterisk node`, 404);
    if (node.lost) throw new TelephonyError('not-found', `ARI ${op}: channel ${channel} was on Asterisk node ${node.name}, which was lost`, 404);
    return node;
  }

  private connectedNodes(): Node[] {
    return this.nodeList.filter((n) => n.state === 'connected');
  }

  /** Runs `op` on every connected node (a bridge, playback or recording whose node is not known, after a restart); not-found on one is no answer. */
  private async onEvery<T>(what: string, op: (n: Node) => Promise<T>): Promise<T[]> {
    const nodes = this.connectedNodes();
    if (nodes.length === 0) throw new TelephonyError('disconnected', `ARI is not connected to any Asterisk node (${what})`);
    const results: T[] = [];
    for (const n of nodes) {
      try {
        results.push(await op(n));
      } catch (e) {
        if (!(e instanceof TelephonyError && e.code === 'not-found')) throw e;
      }
    }
    return results;
  }

  async answer(channel: string): Promise<void> {
    await this.on(channel, 'answer').ari.answer(channel);
  }

  async play(channel: string, playbackId: string, media: readonly Media[], language?: string): Promise<PlaybackEnd> {
    const node = this.nodeOf(channel);
    if (!node || node.lost) return 'hangup';
    this.playbackNode.set(playbackId, node.name);
    try {
      return await node.ari.play(channel, playbackId, media, language);
    } finally {
      this.playbackNode.delete(playbackId);
    }
  }

  async stopPlayback(playbackId: string): Promise<void> {
    const name = this.playbackNode.get(playbackId);
    const node = name ? this.nodeList.find((n) => n.name === name) : undefined;
    if (node?.lost) return;
    if (node) return node.ari.stopPlayback(playbackId);
    // Ended, or started by an earlier run (resumed calls stop their hold prompt): wherever it is.
    await this.onEvery('playbacks.stop', (n) => n.ari.stopPlayback(playbackId));
  }

  async createBridge(bridgeId: string, kind: 'holding' | 'mixing', name: string): Promise<void> {
    // Made on a node when its first channel there is added: which node(s) is not known yet.
    this.bridges.create(bridgeId, kind, name);
  }

  async addToBridge(bridgeId: string, channel: string): Promise<void> {
    const node = this.on(channel, 'bridges.addChannel');
    await this.bridges.on(bridgeId, node);
    await node.ari.addToBridge(bridgeId, channel);
  }

  async removeFromBridge(bridgeId: string, channel: string): Promise<void> {
    const node = this.nodeOf(channel);
    if (!node || node.lost) return;
    await node.ari.removeFromBridge(bridgeId, channel);
  }

  async startBridgeMoh(bridgeId: string, mohClass: string): Promise<void> {
    if (await this.bridges.startMoh(bridgeId, mohClass)) return;
    // A bridge of an earlier run the inventory did not place: wherever it is.
    const found = await this.onEvery('bridges.startMoh', (n) => n.ari.startBridgeMoh(bridgeId, mohClass));
    if (found.length === 0) throw new TelephonyError('not-found', `ARI bridges.startMoh: Bridge not found (${bridgeId})`, 404);
  }

  async startMoh(channel: string, mohClass: string): Promise<void> {
    await this.on(channel, 'channels.startMoh').ari.startMoh(channel, mohClass);
  }

  async stopMoh(channel: string): Promise<void> {
    const node = this.nodeOf(channel);
    if (!node || node.lost) return;
    await node.ari.stopMoh(channel);
  }

  async destroyBridge(bridgeId: string): Promise<void> {
    if (await this.bridges.destroy(bridgeId, (name) => this.nodeList.some((n) => n.name === name && n.state === 'connected'))) return;
    await this.onEvery('bridges.destroy', (n) => n.ari.destroyBridge(bridgeId));
  }

  async originate(req: OriginateRequest): Promise<void> {
    // The leg goes on the caller's node: the two are bridged there, and the phone is reached through Kamailio from any node.
    const node = this.on(req.caller, 'channels.originate');
    if (node.state !== 'connected') throw new TelephonyError('disconnected', `ARI channels.originate: Asterisk node ${node.name} of caller ${req.caller} is not connected`);
    // Known before the request: the leg's events can beat the answer.
    this.channels.set(req.channelId, { node: node.name, role: 'leg', answered: false, endedAt: null });
    try {
      await node.ari.originate(req);
    } catch (e) {
      this.channels.delete(req.channelId);
      throw e;
    }
  }

  async hangup(channel: string, reason?: 'normal' | 'busy' | 'no_answer' | 'congestion'): Promise<void> {
    const node = this.nodeOf(channel);
    if (node?.lost) return;
    if (node) return node.ari.hangup(channel, reason);
    await this.onEvery('channels.hangup', (n) => n.ari.hangup(channel, reason));
  }

  async record(channel: string, name: string, options: RecordOptions): Promise<RecordingResult> {
    const node = this.on(channel, 'channels.record');
    this.recordingNode.set(name, node.name);
    return node.ari.record(channel, name, options);
  }

  async recordingFile(name: string): Promise<Buffer> {
    const at = this.recordingNode.get(name);
    const node = at ? this.nodeList.find((n) => n.name === at && n.state === 'connected') : undefined;
    if (node) return node.ari.recordingFile(name);
    // Not known (recorded before a restart) or its node is down: any node that has it.
    const found = await this.onEvery('recordings.getStoredFile', async (n) => ({ node: n.name, file: await n.ari.recordingFile(name) }));
    const first = found[0];
    if (!first) throw new TelephonyError('not-found', `ARI recordings.getStoredFile: Recording not found (${name}) on ${this.connectedNodes().map((n) => n.name).join(', ')}`, 404);
    this.recordingNode.set(name, first.node);
    return first.file;
  }

  async deleteRecording(name: string): Promise<void> {
    const at = this.recordingNode.get(name);
    const node = at ? this.nodeList.find((n) => n.name === at && n.state === 'connected') : undefined;
    if (node) await node.ari.deleteRecording(name);
    else await this.onEvery('recordings.deleteStored', (n) => n.ari.deleteRecording(name));
    this.recordingNode.delete(name);
  }

  async sendToFailsafe(channel: string): Promise<void> {
    await this.on(channel, 'channels.continueInDialplan').ari.sendToFailsafe(channel);
    // It leaves the application with no hangup event: the dialplan has it now.
    const known = this.channels.get(channel);
    if (known) known.endedAt = this.now();
  }

  async awaitRecording(channel: string, name: string): Promise<RecordingResult | null> {
    const node = this.on(channel, 'recordings.getLive');
    this.recordingNode.set(name, node.name);
    return node.ari.awaitRecording(channel, name);
  }

  async channelStatus(channel: string): Promise<'gone' | 'in-app' | 'in-dialplan'> {
    const node = this.nodeOf(channel);
    // Its node is down or lost: for the engine the channel is gone (nothing can be done with it there).
    if (!node || node.lost || node.state !== 'connected') return 'gone';
    return node.ari.channelStatus(channel);
  }

  adopt(channel: string, as: 'caller' | 'ringing-leg' | 'answered-leg'): void {
    const node = this.nodeOf(channel);
    if (!node) return this.log(`warning: ARI: cannot adopt ${channel}: it is on no known Asterisk node`, { channel });
    this.channels.set(channel, { node: node.name, role: as === 'caller' ? 'caller' : 'leg', answered: as !== 'ringing-leg', endedAt: null });
    node.ari.adopt(channel, as);
  }

  /** Marks a channel as a known caller again after a restart. */
  adoptCaller(channel: string): void {
    this.adopt(channel, 'caller');
  }

  /**
   * The union of the connected nodes' inventories; a node that is down contributes nothing and is
   * named in the log, and `covers` tells the reconcile which channels the inventory speaks for.
   */
  async inventory(): Promise<Inventory> {
    const read = new Set<string>();
    const channels: Inventory['channels'][number][] = [];
    const bridges: Inventory['bridges'][number][] = [];
    for (const node of this.nodeList) {
      if (node.state !== 'connected') continue;
      try {
        const inv = await node.ari.inventory();
        read.add(node.name);
        for (const c of inv.channels) {
          channels.push(c);
          const known = this.channels.get(c.id);
          if (!known || known.node !== node.name) this.channels.set(c.id, { node: node.name, role: c.role === 'caller' ? 'caller' : 'leg', answered: c.answered, endedAt: null });
        }
        for (const b of inv.bridges) {
          bridges.push(b);
          this.bridges.found(b.id, node);
        }
      } catch (e) {
        this.log(`warning: ARI: the inventory of Asterisk node ${node.name} failed: ${(e as Error).message}; its calls are left as they are until it is read`, { node: node.name });
      }
    }
    const unread = this.nodeList.filter((n) => !read.has(n.name) && !n.lost).map((n) => n.name);
    if (unread.length > 0) this.log(`ARI: inventory without node(s) ${unread.join(', ')} (not connected): their calls are left as they are`);
    const covered = (node: Node) => read.has(node.name) || node.lost;
    return {
      channels,
      bridges,
      // A lost node counts as read and empty: calls left on it from before a restart end.
      covers: (channel) => {
        const node = this.nodeOf(channel);
        return node ? covered(node) : unread.length === 0;
      },
    };
  }
}
