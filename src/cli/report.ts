/**
 * `pbx-router report`: what the phones did over a period, from the database alone: calls by how
 * they ended, each queue's waits (average, 90th percentile, longest) and what became of its
 * callers, talk times, voicemails, callback requests, on-call forwards, failsafe calls, and texts to
 * callers (by status) with the calls they deflected (callers who took a queue's text and hung up).
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { DEFAULT_DATABASE } from '../main.js';
import { CallStore } from '../store/call-store.js';
import { openStore, storeMissing, storeName } from '../store/open-store.js';
import { SmsStore, type SmsStatus } from '../store/sms-store.js';
import { VoicemailStore } from '../store/voicemail-store.js';
import { InputError } from './inputs.js';
import { displayZone, zoneOptions } from './zone.js';
import type { Io } from './io.js';

/** Seconds: count, average, 90th percentile (nearest rank) and maximum. */
export interface Durations {
  readonly count: number;
  readonly avg: number;
  readonly p90: number;
  readonly max: number;
}

export interface QueueReport {
  readonly queue: string;
  readonly callers: number;
  /** How their waits ended: answered, abandoned, overflow, callback, transferred, or still waiting. */
  readonly results: Readonly<Record<string, number>>;
  readonly wait: Durations;
  /** Waits of the callers an agent answered. */
  readonly waitAnswered: Durations;
  /** Talk time of the answered calls that have ended. */
  readonly talk: Durations;
}

export interface PeriodReport {
  readonly from: number;
  readonly to: number;
  readonly calls: number;
  readonly inProgress: number;
  /** Ended calls by outcome (answered, abandoned, voicemail, forwarded, callback, hung-up-early, failsafe...). */
  readonly outcomes: Readonly<Record<string, number>>;
  readonly bySite: Readonly<Record<string, number>>;
  readonly queues: readonly QueueReport[];
  readonly voicemails: {
    readonly count: number;
    readonly urgent: number;
    readonly byMailbox: Readonly<Record<string, number>>;
    /** Transcripts made, failed, and voicemails flagged urgent by urgent words in their transcript. */
    readonly transcripts: { readonly done: number; readonly failed: number; readonly pending: number; readonly urgent: number };
  };
  readonly callbacks: { readonly created: number; readonly open: number };
  readonly forwards: { readonly calls: number; readonly attempts: number; readonly accepted: number; readonly attemptResults: Readonly<Record<string, number>> };
  /** Texts asked for in the period by their status now, and the calls that ended deflected by one. */
  readonly texts: Readonly<Record<SmsStatus, number>> & { readonly deflected: number };
}

function durations(seconds: readonly number[]): Durations {
  if (seconds.length === 0) return { count: 0, avg: 0, p90: 0, max: 0 };
  const s = [...seconds].sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 10) / 10;
  return { count: s.length, avg: round(s.reduce((a, b) => a + b, 0) / s.length), p90: round(s[Math.ceil(0.9 * s.length) - 1]!), max: round(s.at(-1)!) };
}

const bump = (m: Record<string, number>, k: string) => void (m[k] = (m[k] ?? 0) + 1);

/** The calls that arrived in [from, to) and what became of them. */
export function buildReport(store: CallStore, voicemails: VoicemailStore, from: number, to: number, texts: SmsStore | null = null): PeriodReport {
  const calls = store.callsBetween(from, to);
  const ids = new Set(calls.map((c) => c.id));
  const outcomes: Record<string, number> = {};
  const bySite: Record<string, number> = {};
  let inProgress = 0;
  for (const c of calls) {
    if (c.endedAt === null) inProgress++;
    else bump(outcomes, c.outcome ?? 'unknown');
    bump(bySite, c.site ?? 'none');
  }
  const byId = new Map(calls.map((c) => [c.id, c]));
  const perQueue = new Map<string, { results: Record<string, number>; wait: number[]; waitAnswered: number[]; talk: number[] }>();
  for (const c of calls) {
    for (const q of store.queueEntries(c.id)) {
      let r = perQueue.get(q.queue);
      if (!r) perQueue.set(q.queue, (r = { results: {}, wait: [], waitAnswered: [], talk: [] }));
      bump(r.results, q.result ?? 'waiting');
      if (q.leftAt === null) continue;
      const wait = (q.leftAt - q.enteredAt) / 1000;
      r.wait.push(wait);
      if (q.result === 'answered') {
        r.waitAnswered.push(wait);
        const call = byId.get(c.id)!;
        if (call.endedAt !== null) r.talk.push((call.endedAt - q.leftAt) / 1000);
      }
    }
  }
  const queues = [...perQueue].sort(([a], [b]) => a.localeCompare(b)).map(([queue, r]) => ({ queue, callers: Object.values(r.results).reduce((a, b) => a + b, 0), results: r.results, wait: durations(r.wait), waitAnswered: durations(r.waitAnswered), talk: durations(r.talk) }));
  const vms = voicemails.list().filter((v) => v.createdAt >= from && v.createdAt < to);
  const byMailbox: Record<string, number> = {};
  for (const v of vms) bump(byMailbox, v.mailbox);
  const cbs = store.callbacks().filter((c) => c.createdAt >= from && c.createdAt < to);
  const attempts = store.eventsOfType('oncall-attempt', from).filter((e) => ids.has(e.callId));
  const attemptResults: Record<string, number> = {};
  for (const a of attempts) bump(attemptResults, String((a.data as { result?: string } | null)?.result ?? 'unknown'));
  return {
    from,
    to,
    calls: calls.length,
    inProgress,
    outcomes,
    bySite,
    queues,
    voicemails: {
      count: vms.length,
      urgent: vms.filter((v) => v.urgent).length,
      byMailbox,
      transcripts: {
        done: vms.filter((v) => v.transcriptStatus === 'done').length,
        failed: vms.filter((v) => v.transcriptStatus === 'failed').length,
        pending: vms.filter((v) => v.transcriptStatus === 'pending').length,
        urgent: vms.filter((v) => (v.urgentWords?.length ?? 0) > 0).length,
      },
    },
    callbacks: { created: cbs.length, open: cbs.filter((c) => c.doneAt === null).length },
    forwards: { calls: new Set(attempts.map((a) => a.callId)).size, attempts: attempts.length, accepted: attemptResults.accepted ?? 0, attemptResults },
    texts: { ...(texts?.countByStatus(from, to) ?? { queued: 0, sent: 0, failed: 0, refused: 0 }), deflected: outcomes['sms-deflected'] ?? 0 },
  };
}

const pct = (n: number, of: number) => (of === 0 ? '-' : `${Math.round((n / of) * 100)}%`);
const list = (m: Readonly<Record<string, number>>) =>
  Object.entries(m)
    .sort(([, a], [, b]) => b - a)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') || 'none';
const dur = (d: Durations) => (d.count === 0 ? '-' : `avg ${d.avg} s, p90 ${d.p90} s, longest ${d.max} s`);

/** The report as text, the period in `zone`. */
export function formatReport(r: PeriodReport, zone: string): string {
  const t = (ms: number) => DateTime.fromMillis(ms, { zone }).toFormat('ccc yyyy-LL-dd HH:mm ZZZZ');
  const ended = r.calls - r.inProgress;
  const lines = [
    `calls from ${t(r.from)} to ${t(r.to)}: ${r.calls}${r.inProgress ? ` (${r.inProgress} still in progress)` : ''}`,
    `  by site: ${list(r.bySite)}`,
    `  how they ended: ${list(r.outcomes)}`,
    `  answered by an agent or clinician: ${pct((r.outcomes.answered ?? 0) + (r.outcomes.forwarded ?? 0), ended)} of ended calls; to the failsafe: ${r.outcomes.failsafe ?? 0}`,
  ];
  for (const q of r.queues) {
    lines.push(`  queue ${q.queue}: ${q.callers} caller(s): ${list(q.results)}; answered ${pct(q.results.answered ?? 0, q.callers)}, abandoned ${pct(q.results.abandoned ?? 0, q.callers)}`);
    lines.push(`    wait ${dur(q.wait)}; before an answer ${dur(q.waitAnswered)}; talk ${dur(q.talk)}`);
  }
  lines.push(`  voicemails: ${r.voicemails.count}${r.voicemails.urgent ? ` (${r.voicemails.urgent} urgent)` : ''}${r.voicemails.count ? `: ${list(r.voicemails.byMailbox)}` : ''}`);
  const tx = r.voicemails.transcripts;
  if (tx.done + tx.failed + tx.pending > 0) lines.push(`    transcribed: ${tx.done}, failed: ${tx.failed}${tx.pending ? `, pending: ${tx.pending}` : ''}; flagged urgent by their transcript: ${tx.urgent}`);
  lines.push(`  callback requests: ${r.callbacks.created} (${r.callbacks.open} still open)`);
  lines.push(`  on-call forwards: ${r.forwards.calls} call(s), ${r.forwards.attempts} attempt(s): ${list(r.forwards.attemptResults)}`);
  const x = r.texts;
  lines.push(`  texts to callers: ${x.sent} sent${x.queued + x.failed + x.refused ? ` (${x.queued} queued, ${x.failed} failed, ${x.refused} refused)` : ''}; calls deflected by a text: ${x.deflected}`);
  return lines.join('\n');
}

/** A day (`2026-11-23`) or an instant with its offset, in `zone`; an end day counts whole (to its midnight). */
function instant(text: string, zone: string, end: boolean, what: string): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const d = DateTime.fromISO(text, { zone, setZone: false });
  if (!d.isValid) throw new InputError(`${what} '${text}' is not a date (2026-11-23) or an ISO time (2026-11-23T08:00-06:00)`);
  return (day && end ? d.plus({ days: 1 }) : d).toMillis();
}

/** Adds `report` to the program. */
export function addReportCommand(program: Command, io: Io): void {
  zoneOptions(
    program
      .command('report')
      .description('what the phones did over a period: outcomes, queue waits (avg, p90, longest), talk times, voicemails, callbacks, on-call forwards, texts')
      .option('--from <day|time>', 'start (a day counts from its midnight; default: today)')
      .option('--to <day|time>', 'end (a day counts to its end; default: the end of the --from day, or now)')
      .option('--db <file>', 'SQLite file or postgres:// URL', DEFAULT_DATABASE)
      .option('--json', 'the figures as JSON'),
  ).action((o: { from?: string; to?: string; db: string; tz?: string; config?: string; json?: boolean }) => {
    if (storeMissing(o.db)) throw new InputError(`no database at ${storeName(o.db)} (pass --db, or set PBX_ROUTER_DB)`);
    const zone = displayZone(o);
    const from = o.from ? instant(o.from, zone, false, '--from') : DateTime.now().setZone(zone).startOf('day').toMillis();
    const to = o.to ? instant(o.to, zone, true, '--to') : o.from && /^\d{4}-\d{2}-\d{2}$/.test(o.from) ? instant(o.from, zone, true, '--from') : Date.now();
    if (to <= from) throw new InputError('--to must be after --from');
    const db = openStore(o.db);
    try {
      const r = buildReport(new CallStore(db), new VoicemailStore(db), from, to, new SmsStore(db));
      io.out(o.json ? JSON.stringify(r, null, 2) : formatReport(r, zone));
    } finally {
      db.close();
    }
  });
}
