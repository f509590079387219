/**
 * `pbx-router explain <call>`: what happened to one call and why, from the database alone. The
 * call is found by its id, its Asterisk channel id, or the caller's number (their newest call);
 * its decisions (with the path and every rule considered), events, queue waits with the positions
 * announced, voicemail and callback request are put on one timeline from the moment it arrived.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { DEFAULT_DATABASE } from '../main.js';
import type { Step } from '../routing/types.js';
import { CallStore, type CallRecord, type DecisionRecord } from '../store/call-store.js';
import { openStore, storeMissing, storeName } from '../store/open-store.js';
import { SmsStore } from '../store/sms-store.js';
import { VoicemailStore } from '../store/voicemail-store.js';
import { URGENT_BY_TRANSCRIPT } from '../notify/transcript-email.js';
import { transcriptSummary, urgentByTranscript } from './voicemail-view.js';
import { describeStep } from './format.js';
import { InputError } from './inputs.js';
import { displayZone, zoneOptions } from './zone.js';
import type { Io } from './io.js';

/** A rule the decision looked at, as stored (the reason already in words). */
interface StoredTrace {
  readonly ruleSet: string;
  readonly rule: string;
  readonly index: number;
  readonly matched: boolean;
  readonly why?: string;
}

/** One moment of a call's history. */
export interface TimelineEntry {
  readonly at: number;
  readonly what: string;
  /** Further lines (a decision's path and the rules it considered). */
  readonly details: readonly string[];
}

export interface CallExplained {
  readonly call: CallRecord;
  readonly timeline: readonly TimelineEntry[];
}

/** Finds a call by id, channel id or caller number (newest); null when none matches. */
export function findCall(store: CallStore, key: string): CallRecord | null {
  return store.call(key) ?? store.callByChannel(key) ?? store.callByCaller(key) ?? null;
}

function decisionEntry(d: DecisionRecord): TimelineEntry {
  const what =
    d.status === 'awaiting-input'
      ? `decision: wait for a key in menu ${d.target ?? '?'}`
      : `decision: ${d.action ?? 'none'}${d.target ? ` ${d.target}` : ''}${d.site ? ` (site ${d.site})` : ''}`;
  const steps = (d.steps as Step[]).map((s) => `  ${describeStep(s)}`);
  const trace = (d.trace as StoredTrace[]).map((t) => `  ${t.ruleSet}[${t.index + 1}] ${t.rule}: ${t.matched ? 'matched' : `no (${t.why ?? 'did not match'})`}`);
  return { at: d.at, what, details: [...(steps.length ? ['path:', ...steps] : []), ...(trace.length ? ['rules considered:', ...trace] : []), `config ${d.configVersion}`] };
}

/** An event of the call in words (an unknown type is shown with its data). */
function eventText(type: string, data: unknown): string {
  const d = (data ?? {}) as Record<string, unknown>;
  switch (type) {
    case 'offer':
      return d.number ? `on-call: calling ${String(d.agent)} at ${String(d.number)}` : `offered to agent ${String(d.agent)} (${String(d.endpoint)})`;
    case 'offer-missed':
      return `agent ${String(d.agent)} did not take it: ${String(d.reason)}`;
    case 'connected':
      return `connected to ${String(d.agent)}`;
    case 'oncall-attempt':
      return `on-call attempt: ${String(d.member)} (${String(d.number)}): ${String(d.result)}${d.digit ? `, pressed ${String(d.digit)}` : ''}`;
    case 'dial-refused':
      return `the toll-fraud guard refused to dial ${String(d.number)} for ${String(d.member)}: ${String(d.reason)}`;
    case 'voicemail':
      return `to voicemail ${String(d.mailbox)}`;
    case 'handoff':
      // Written by engines before voicemail became part of the call's session.
      return `handed to ${String(d.action)}${d.target ? ` ${String(d.target)}` : ''}`;
    case 'failsafe':
      return `sent to the failsafe dialplan: ${String(d.reason)}`;
    case 'resumed':
      return `picked up again after an engine restart or reconnect (it was ${String(d.from)}${typeof d.how === 'string' ? `: ${d.how}` : ''})${Array.isArray(d.inputs) ? `; keys replayed: ${d.inputs.join(',') || 'none'}` : ''}`;
    case 'callback-requested':
      return `callback request ${String(d.callback)} on list ${String(d.list)}${d.reason ? ` (${String(d.reason)})` : ''}`;
    case 'sms-offered':
      return `offered a text (${String(d.message)}) instead of waiting: key ${String(d.digit)}`;
    case 'sms-not-offered':
      return `no text offered (${String(d.message)}): ${String(d.detail ?? d.reason)}`;
    case 'sms-queued':
      return `text ${String(d.sms)} (${String(d.message)}, ${String(d.language)}) queued to the caller's number`;
    case 'sms-refused':
      return `no text ${String(d.message)}: ${String(d.detail ?? (d.reason === 'not-set-up' ? 'texting is not set up in the engine' : d.reason))}`;
    case 'rejected-event':
      return `event ${String(d.event)} not accepted in state ${String(d.state)}`;
    default:
      return data === null || data === undefined ? type : `${type} ${JSON.stringify(data)}`;
  }
}

/** The call and its timeline, oldest first. */
export function explainCall(store: CallStore, voicemails: VoicemailStore | null, call: CallRecord, texts: SmsStore | null = null): CallExplained {
  const t: TimelineEntry[] = [{ at: call.arrivedAt, what: `arrived: ${call.caller || 'withheld number'} called ${call.did}${call.site ? ` (site ${call.site})` : ''}`, details: [] }];
  if (call.answeredAt !== null) t.push({ at: call.answeredAt, what: 'answered', details: [] });
  for (const d of store.decisions(call.id)) t.push(decisionEntry(d));
  for (const e of store.events(call.id)) t.push({ at: e.at, what: eventText(e.type, e.data), details: [] });
  for (const q of store.queueEntries(call.id)) {
    const positions = store.positions(q.id);
    // The first position is recorded as the caller joins; the later ones are what the announcements said.
    const joined = positions[0]?.at === q.enteredAt ? positions.shift() : undefined;
    t.push({ at: q.enteredAt, what: `joined queue ${q.queue}${joined ? ` at position ${joined.position}` : ''} (priority ${q.priority}, ${q.language})`, details: [] });
    for (const p of positions) t.push({ at: p.at, what: `announced: position ${p.position} in queue ${q.queue}${p.estimate !== null ? `, estimated wait ${Math.round(p.estimate / 60)} min` : ''}`, details: [] });
    if (q.leftAt !== null) t.push({ at: q.leftAt, what: `left queue ${q.queue}: ${q.result ?? '?'}${q.agent ? ` (agent ${q.agent})` : ''}`, details: [] });
  }
  for (const v of voicemails?.list().filter((m) => m.callId === call.id) ?? []) {
    const transcript = transcriptSummary(v);
    const words = urgentByTranscript(v) ? [`urgent words in transcript: ${v.urgentWords!.map((w) => `"${w}"`).join(', ')}`] : [];
    const urgent = urgentByTranscript(v) ? `, urgent (${URGENT_BY_TRANSCRIPT})` : v.urgent ? ', urgent' : '';
    t.push({ at: v.createdAt, what: `voicemail ${v.id} in mailbox ${v.mailbox}: ${v.duration} s${urgent}${v.purgedAt !== null ? ' (since purged)' : ''}`, details: [...(transcript ? [transcript] : []), ...words] });
  }
  // What became of each text (never the number it went to).
  for (const m of texts?.forCall(call.id) ?? []) {
    const how = m.status === 'sent' ? `sent${m.providerId ? ` (provider id ${m.providerId})` : ''}` : m.status === 'queued' ? `still queued after ${m.attempts} attempt(s)` : `${m.status}: ${m.lastError ?? ''}`;
    t.push({ at: m.sentAt ?? m.finishedAt ?? m.createdAt, what: `text ${m.id} (${m.message}): ${how}`, details: [] });
  }
  if (call.endedAt !== null) t.push({ at: call.endedAt, what: `ended: ${call.outcome ?? '?'}`, details: [] });
  // Stable: at the same millisecond, the order above (decision before its events) is kept.
  return { call, timeline: t.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || a.i - b.i).map((x) => x.e) };
}

/** `+m:ss.s` after the arrival. */
function offset(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  const m = Math.floor(s / 60);
  return `+${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}

/** The call as text, times in `zone`. */
export function formatExplained(x: CallExplained, zone: string): string {
  const c = x.call;
  const when = DateTime.fromMillis(c.arrivedAt, { zone }).toFormat('ccc yyyy-LL-dd HH:mm:ss ZZZZ');
  const state = c.endedAt === null ? `still in progress (${c.state})` : `${c.outcome ?? 'ended'} after ${offset(c.endedAt - c.arrivedAt).slice(1)}`;
  const lines = [
    `call ${c.id} (channel ${c.channelId}), ${when}: ${state}`,
    `  from ${c.caller || 'a withheld number'} to ${c.did}; site ${c.site ?? 'none'}, language ${c.language}, priority ${c.priority}${c.target ? `, destination ${c.target}` : ''}${c.agent ? `, agent ${c.agent}` : ''}; config ${c.configVersion}`,
  ];
  for (const e of x.timeline) {
    lines.push(`  ${offset(e.at - c.arrivedAt).padStart(8)}  ${e.what}`);
    for (const d of e.details) lines.push(`            ${d}`);
  }
  return lines.join('\n');
}

/** Adds `explain` to the program. */
export function addExplainCommand(program: Command, io: Io): void {
  zoneOptions(
    program
      .command('explain')
      .description("what happened to one call and why: its decisions with every rule considered, offers, queue waits, on-call attempts, voicemail, texts, outcome")
      .argument('<call>', 'a call id, an Asterisk channel id, or a caller number (their newest call)')
      .option('--db <file>', 'SQLite file or postgres:// URL', DEFAULT_DATABASE)
      .option('--json', 'the call and its timeline as JSON (times in epoch milliseconds)'),
  ).action((key: string, o: { db: string; tz?: string; config?: string; json?: boolean }) => {
    if (storeMissing(o.db)) throw new InputError(`no database at ${storeName(o.db)} (pass --db, or set PBX_ROUTER_DB)`);
    // JSON carries epoch milliseconds: it needs no zone unless one is asked for (and then it is checked).
    const zone = o.json && o.tz === undefined ? 'UTC' : displayZone(o);
    const db = openStore(o.db);
    try {
      const store = new CallStore(db);
      const call = findCall(store, key);
      if (!call) throw new InputError(`no call ${key} in ${storeName(o.db)} (give a call id, a channel id or the caller's number)`);
      const x = explainCall(store, new VoicemailStore(db), call, new SmsStore(db));
      io.out(o.json ? JSON.stringify(x, null, 2) : formatExplained(x, zone));
    } finally {
      db.close();
    }
  });
}
