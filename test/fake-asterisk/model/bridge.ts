/**
 * A Stasis bridge of the fake.
 *
 * Asterisk notes: a mixing bridge reports technology `simple_bridge` with two or fewer channels
 * (`softmix` beyond); a holding bridge `holding_bridge`. The MOH of a bridge is played by a hidden
 * `Announcer/ARI_MOH` channel (two uniqueids and one unreal sequence number). In 04 and 04b,
 * after MOH was stopped and started again, the new announcer's id appeared in the `channels` of
 * the ChannelLeftBridge snapshot when the last caller left (it is LONELY and leaves right after),
 * while the first announcer never appears: the fake reproduces exactly that.
 */
import type { JsonObject } from './types.js';

export type BridgeKind = 'mixing' | 'holding';

/** One bridge and its snapshot. */
export class FakeBridge {
  /** Channel ids in join order (Stasis channels only). */
  readonly members: string[] = [];
  /** The announcer playing MOH, if MOH is on. */
  mohChannelId: string | null = null;
  /** How many times MOH was started on this bridge. */
  mohStarts = 0;
  /** A restarted MOH announcer that shows in snapshots (see the file comment). */
  visibleAnnouncer: string | null = null;
  /** The hidden Announcer/ARI channel that plays bridge playbacks, once one was requested. */
  playbackAnnouncer: string | null = null;
  destroyed = false;

  constructor(
    readonly id: string,
    readonly kind: BridgeKind,
    readonly name: string,
    readonly creationtime: string,
  ) {}

  /** The technology Asterisk's smart bridge picks for the current membership. */
  technology(): string {
    if (this.kind === 'holding') return 'holding_bridge';
    return this.members.length > 2 ? 'softmix' : 'simple_bridge';
  }

  /** ARI Bridge JSON in Asterisk's key order. */
  snapshot(): JsonObject {
    const channels = [...this.members];
    if (this.visibleAnnouncer) channels.push(this.visibleAnnouncer);
    return {
      id: this.id,
      technology: this.technology(),
      bridge_type: this.kind,
      bridge_class: 'stasis',
      creator: 'Stasis',
      name: this.name,
      channels,
      creationtime: this.creationtime,
      video_mode: 'talker',
    };
  }
}

/** Parses ARI's `type` (comma list); null when Asterisk would refuse to create the bridge. */
export function parseBridgeType(type: string | undefined): BridgeKind | null {
  if (!type) return 'mixing';
  let kind: BridgeKind = 'mixing';
  for (const part of type.split(',').map((s) => s.trim())) {
    if (part === 'holding') kind = 'holding';
    else if (!['mixing', 'dtmf_events', 'proxy_media', 'video_sfu', 'video_single', 'sdp_label'].includes(part)) return null;
  }
  return kind;
}
