/**
 * Maps the ids of a recording to the fake's ids, consistently: Asterisk uniqueids
 * (`1795336687.9`), uuids (playbacks, bridges) and the unreal sequence numbers in Local /
 * Announcer channel names (`-00000004;2`). Ids a client chose (`agent-05-...`, `pb-03-list`)
 * are the same on both sides. Mappings are learnt by walking a recorded answer/event and the
 * fake's counterpart in parallel, and from channel names.
 */
import type { Json, JsonObject } from '../model/types.js';

const UNIQUEID = /\b\d{10}\.\d+\b/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g;
const SEQ = /(?<=(?:Local|Announcer)\/[^;,\s"]*-)[0-9a-f]{8}(?=;[12])|(?<=PJSIP\/[^;,\s"/]+-)[0-9a-f]{8}\b/g;
const TOKEN = new RegExp(`${UNIQUEID.source}|${UUID.source}|${SEQ.source}`, 'g');
const TIME_KEYS = new Set(['timestamp', 'creationtime', 'startup_time', 'last_reload_time']);

/** Recorded ids and their fake counterparts. */
export class IdMap {
  private readonly ids = new Map<string, string>();
  private readonly reverseIds = new Map<string, string>();
  private readonly seqs = new Map<string, string>();
  private readonly reverseSeqs = new Map<string, string>();
  /** Recorded channel name -> recorded id (from every recorded line). */
  private readonly recordedChannels = new Map<string, string>();
  /** Generated ids that appear in what Asterisk sent (others in requests were made up by the client). */
  private readonly recordedTokens = new Set<string>();

  /** Indexes the channel names and ids of the recording. */
  indexRecorded(values: readonly Json[]): void {
    const walk = (v: Json): void => {
      if (typeof v === 'string') for (const m of v.matchAll(TOKEN)) this.recordedTokens.add(m[0]);
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        if (typeof v.id === 'string' && typeof v.name === 'string' && 'dialplan' in v) this.recordedChannels.set(v.name, v.id);
        Object.values(v).forEach(walk);
      }
    };
    values.forEach(walk);
  }

  /** The fake id for a recorded id; undefined while an Asterisk-made id is still unknown. */
  fakeFor(recorded: string): string | undefined {
    if (!isGenerated(recorded) || !this.recordedTokens.has(recorded)) return recorded;
    return this.ids.get(recorded);
  }

  /** Learns from a recorded value and the fake's counterpart (same shape). */
  learn(rec: Json, fake: Json, key = ''): void {
    if (TIME_KEYS.has(key)) return;
    if (typeof rec === 'string' && typeof fake === 'string') return this.learnString(rec, fake);
    if (Array.isArray(rec) && Array.isArray(fake)) {
      rec.forEach((r, i) => fake[i] !== undefined && this.learn(r, fake[i] ?? null));
      return;
    }
    if (rec && fake && typeof rec === 'object' && typeof fake === 'object' && !Array.isArray(rec) && !Array.isArray(fake)) {
      for (const [k, v] of Object.entries(rec)) if (k in fake) this.learn(v, (fake as JsonObject)[k] ?? null, k);
    }
  }

  /** Learns the recorded id of a channel the fake just reported, through its name. */
  learnChannel(fakeId: string, fakeName: string): void {
    let recName = fakeName.replace(SEQ, (s) => this.reverseSeqs.get(s) ?? s);
    if (!this.recordedChannels.has(recName)) {
      // A channel first seen in an event (an inbound PJSIP call): pair it with the only recorded
      // channel of the same name pattern that is not paired yet.
      const pattern = fakeName.replace(SEQ, '*');
      const candidates = [...this.recordedChannels.keys()].filter((n) => n.replace(SEQ, '*') === pattern && !this.ids.has(this.recordedChannels.get(n) ?? ''));
      if (candidates.length !== 1) return;
      recName = candidates[0] ?? '';
      this.learnString(recName, fakeName);
    }
    const recId = this.recordedChannels.get(recName);
    if (recId && !this.ids.has(recId) && !this.reverseIds.has(fakeId)) this.pair(this.ids, this.reverseIds, recId, fakeId);
  }

  /** Replaces every recorded id in a value by the fake's (unknown ones stay as they are). */
  map(value: Json): Json {
    if (typeof value === 'string') return this.mapString(value);
    if (Array.isArray(value)) return value.map((v) => this.map(v));
    if (value && typeof value === 'object') {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) out[k] = this.map(v);
      return out;
    }
    return value;
  }

  /** mapString for one string. */
  mapString(s: string): string {
    return s
      .replace(SEQ, (t) => this.seqs.get(t) ?? t)
      .replace(UNIQUEID, (t) => this.ids.get(t) ?? t)
      .replace(UUID, (t) => this.ids.get(t) ?? t);
  }

  private learnString(r: string, f: string): void {
    if (r === f) return;
    const rt = [...r.matchAll(TOKEN)].map((m) => m[0]);
    const ft = [...f.matchAll(TOKEN)].map((m) => m[0]);
    if (rt.length === 0 || rt.length !== ft.length) return;
    rt.forEach((t, i) => {
      const ftok = ft[i] ?? '';
      if (/^[0-9a-f]{8}$/.test(t)) this.pair(this.seqs, this.reverseSeqs, t, ftok);
      else this.pair(this.ids, this.reverseIds, t, ftok);
    });
  }

  private pair(fwd: Map<string, string>, rev: Map<string, string>, r: string, f: string): void {
    if (fwd.has(r) || rev.has(f)) return;
    fwd.set(r, f);
    rev.set(f, r);
  }
}

/** True for ids Asterisk makes (uniqueids, uuids), as opposed to ids a client chose. */
export function isGenerated(id: string): boolean {
  return new RegExp(`^(?:${UNIQUEID.source}|${UUID.source})$`).test(id);
}

/** Replaces timestamps by a marker after checking Asterisk's format (`2026-11-22T08:38:07.607+0000`). */
export function maskTimes(value: Json, key = ''): Json {
  if (TIME_KEYS.has(key) && typeof value === 'string') return /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/.test(value) ? '<time>' : `<bad time ${value}>`;
  if (Array.isArray(value)) return value.map((v) => maskTimes(v));
  if (value && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskTimes(v, k);
    return out;
  }
  return value;
}
