/**
 * Comparing a recording with the fake's output: events per subject (channel, playback,
 * recording, bridge), each event as its whole JSON text (key order included) after mapping ids
 * and masking timestamps. Only the lab's simulation dialplan is left out (sim-hold loop events,
 * and the dialplan location of a channel while it runs that loop).
 */
import type { Json, JsonObject } from '../model/types.js';
import { IdMap, maskTimes } from './id-map.js';
import { isLabNoise, subjectOf } from './transcript.js';

const LAB_APPS = new Set(['Gosub', 'Set', 'While', 'EndWhile', 'Return', 'ExecIf', 'Playback']);

/** True when a recorded channel snapshot shows the lab's sim-hold/sim-caller internals. */
function labLocation(ch: Json): boolean {
  if (!ch || typeof ch !== 'object' || Array.isArray(ch)) return false;
  const d = ch.dialplan;
  if (!d || typeof d !== 'object' || Array.isArray(d)) return false;
  return d.context === 'sim-hold' || d.context === 'sim-caller' || LAB_APPS.has(String(d.app_name));
}

/** Masks the dialplan location of snapshots where the recording shows the lab's loop. */
function maskLab(rec: JsonObject, fake: JsonObject): [JsonObject, JsonObject] {
  const r = { ...rec };
  const f = { ...fake };
  for (const key of ['channel', 'peer']) {
    const rc = r[key];
    const fc = f[key];
    if (labLocation(rc ?? null) && rc && typeof rc === 'object' && !Array.isArray(rc)) {
      r[key] = { ...rc, dialplan: '<lab dialplan>' };
      if (fc && typeof fc === 'object' && !Array.isArray(fc)) f[key] = { ...fc, dialplan: '<lab dialplan>' };
    }
  }
  return [r, f];
}

/** Masks, in a REST answer, the dialplan of channels the recording shows inside the lab's loop. */
export function maskLabDeep(rec: Json, fake: Json): [Json, Json] {
  if (Array.isArray(rec) && Array.isArray(fake)) {
    const pairs = rec.map((r, i) => maskLabDeep(r, fake[i] ?? null));
    return [pairs.map((p) => p[0]), [...pairs.map((p) => p[1]), ...fake.slice(rec.length)]];
  }
  if (rec && fake && typeof rec === 'object' && typeof fake === 'object' && !Array.isArray(rec) && !Array.isArray(fake)) {
    if (labLocation(rec)) return [{ ...rec, dialplan: '<lab dialplan>' }, { ...fake, dialplan: '<lab dialplan>' }];
  }
  return [rec, fake];
}

/** Groups events by subject, dropping lab noise. */
export function bySubject(events: readonly JsonObject[]): Map<string, JsonObject[]> {
  const out = new Map<string, JsonObject[]>();
  for (const e of events) {
    if (isLabNoise(e)) continue;
    const s = subjectOf(e);
    if (!s) continue;
    out.set(s, [...(out.get(s) ?? []), e]);
  }
  return out;
}

/** The fake subject of a recorded one, once its id is known. */
export function fakeSubject(ids: IdMap, recordedSubject: string): string | undefined {
  const i = recordedSubject.indexOf(':');
  const kind = recordedSubject.slice(0, i);
  const id = recordedSubject.slice(i + 1);
  if (kind === 'recording') return recordedSubject;
  const f = ids.fakeFor(id);
  return f === undefined ? undefined : `${kind}:${f}`;
}

/** Canonical text of a recorded event and of the fake's, for exact comparison. */
export function canonicalPair(ids: IdMap, rec: JsonObject, fake: JsonObject): [string, string] {
  ids.learn(rec, fake);
  let [r, f] = maskLab(rec, fake);
  if (r.type === 'ChannelVarset' && String(r.variable).startsWith('RTPAUDIOQOS')) {
    // RTCP statistics of a real media stream: only their presence and order are comparable.
    [r, f] = [{ ...r, value: '<rtcp>' }, { ...f, value: '<rtcp>' }];
  }
  if (r.type === 'RecordingFinished') f = { ...f, recording: speechJitter(r.recording ?? null, f.recording ?? null) };
  return [JSON.stringify(maskTimes(ids.map(r))), JSON.stringify(maskTimes(f))];
}

/**
 * The replayed `record` request reaches the fake on a real timer while the scripted caller speaks
 * on the fake's clock, so on a loaded machine one more or one less second of speech can fall inside
 * the recording: duration and talking_duration then move together by one, silence_duration not.
 * That one-second shift is accepted (fake-asterisk-scripting.test.ts checks the arithmetic); any other
 * difference is reported.
 */
function speechJitter(rec: Json, fake: Json): Json {
  const obj = (v: Json): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!obj(rec) || !obj(fake)) return fake;
  const d = Number(fake.duration) - Number(rec.duration);
  const t = Number(fake.talking_duration) - Number(rec.talking_duration);
  if (Math.abs(d) === 1 && d === t && fake.silence_duration === rec.silence_duration) return { ...fake, duration: rec.duration ?? null, talking_duration: rec.talking_duration ?? null };
  return fake;
}

/** Compares every subject's event sequence; returns human-readable mismatches. */
export function compareEvents(ids: IdMap, recorded: readonly JsonObject[], fake: readonly JsonObject[], notModelled: readonly string[] = []): string[] {
  const rec = bySubject(recorded);
  const got = bySubject(fake);
  const problems: string[] = [];
  // Events about no channel/playback/bridge (DeviceStateChanged...): compared as a multiset of types.
  const loose = (l: readonly JsonObject[]) => l.filter((e) => !subjectOf(e) && !notModelled.includes(String(e.type))).map((e) => String(e.type)).sort().join(',');
  if (loose(recorded) !== loose(fake)) problems.push(`events without subject: recorded [${loose(recorded)}], fake [${loose(fake)}]`);
  const matched = new Set<string>();
  for (const [subject, list] of rec) {
    const fs = fakeSubject(ids, subject);
    const flist = fs ? (got.get(fs) ?? []) : [];
    if (fs) matched.add(fs);
    const types = (l: readonly JsonObject[]) => l.map((e) => String(e.type)).join(', ');
    if (list.length !== flist.length) {
      problems.push(`${subject} -> ${fs ?? '?'}: recorded [${types(list)}] but fake sent [${types(flist)}]`);
      continue;
    }
    list.forEach((e, i) => {
      const f = flist[i];
      if (!f) return;
      const [a, b] = canonicalPair(ids, e, f);
      if (a !== b) problems.push(`${subject} event ${i} (${String(e.type)}):\n  recorded ${a}\n  fake     ${b}`);
    });
  }
  for (const [subject, list] of got) {
    if (!matched.has(subject)) problems.push(`fake sent events for ${subject} that the recording has not: [${list.map((e) => String(e.type)).join(', ')}]`);
  }
  return problems;
}

/** Per-subject counts of recorded events, for waiting until the fake has caught up. */
export function countsBySubject(events: readonly JsonObject[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of bySubject(events)) out.set(k, v.length);
  return out;
}
