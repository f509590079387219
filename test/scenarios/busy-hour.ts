/**
 * The busy hour, live: the engine as `pbx-router run` builds it (startEngine, real SQLite file,
 * ari-client over HTTP and WebSocket) against the fake Asterisk, with the scripted callers of
 * busy-hour-script.ts and desk phones that answer and talk. Time is compressed `speed` times on
 * both sides; the run ends when every call is over, Asterisk holds nothing any more, no email
 * or text waits in an outbox and no voicemail waits for its transcript (that last wait is bounded
 * in real time: pocketsphinx runs at the machine's speed, not the compressed clock's).
 */
import { DateTime } from 'luxon';
import type { Mailer } from '../../src/notify/mailer.js';
import { voicemailSpeech } from '../support/speech.js';
import { BEFORE_OPENING_MIN, busyHourScript, deskPhoneBehaviours, type ScriptedCall, type SpokenMessage } from './busy-hour-script.js';
import { BusyHourReport, type BusyHourSummary } from './busy-hour-report.js';
import { startLive, type Live } from './live-harness.js';

export interface BusyHourOptions {
  readonly config?: string;
  readonly calls: number;
  readonly seed: number;
  readonly speed: number;
  readonly mailer?: Mailer;
  /** The engine's environment (the SMS provider's credentials; default process.env). */
  readonly env?: NodeJS.ProcessEnv;
  /** Whether the scripted callers who would take the text offer press its key (default true). */
  readonly takeTexts?: boolean;
  /** Gets one line per finished call (omit for quiet). */
  readonly print?: (line: string) => void;
  /** Virtual ms of the hour over which the calls arrive (default one hour). */
  readonly hourMs?: number;
  /** Virtual ms after the last arrival by which everything must be over (default 30 min). */
  readonly drainMs?: number;
  /** Real ms to wait, once the calls are over, for the voicemails' transcripts (default 120 s); the summary counts those still pending. */
  readonly transcriptWaitMs?: number;
}

/** A finished busy hour: the summary and what is needed to check it (stop `live` afterwards). */
export interface BusyHour {
  readonly live: Live;
  readonly calls: readonly { readonly script: ScriptedCall; readonly channelId: string }[];
  readonly summary: BusyHourSummary;
  /** Calls lost or stuck, channels or bridges left: empty on success. */
  readonly problems: readonly string[];
  readonly zone: string;
  readonly start: number;
}

const PHONES = ['1001', '1002', '1003', '1004', '1005', '1006', '1007'].map((p) => `PJSIP/${p}`);
const ON_CALL = ['+15125550199', '+15125550198', '+15125550197'].map((n) => `PJSIP/${n}@carrier`);
const ZONE = 'America/Chicago';
/** Asterisk time the fake runs before the hour starts, for the engine's boot (see runBusyHour). */
const BOOT_MARGIN_MS = 120_000;
/** A caller starts talking just after the beep (424 ms on the fake) that follows RecordingStarted. */
const TALK_AFTER_RECORDING_STARTED_MS = 450;
/** After their last word a caller waits about 1.5 s before pressing # or hanging up. */
const PAUSE_AFTER_SPEECH_MS = 1500;

interface Tracked {
  readonly script: ScriptedCall;
  readonly channelId: string;
  queuedAt: number | null;
  starred: boolean;
  messageEndsAt: number | null;
  /** When the caller started hearing the queue's text offer, and the key it names. */
  offer: { at: number; digit: string } | null;
  textAskedAt: number | null;
  endedAt: number | null;
  hungUp: boolean;
}

/** Runs the busy hour of Monday 2026-11-23 from 07:55 (site time) and returns its summary. */
export async function runBusyHour(o: BusyHourOptions): Promise<BusyHour> {
  const hourMs = o.hourMs ?? 3_600_000;
  const opening = DateTime.fromISO('2026-11-23T08:00', { zone: ZONE });
  // The hour starts BEFORE_OPENING_MIN (compressed like the hour) before opening. The fake's clock
  // runs while the engine boots (a second of real time is 75-150 s here), so it starts earlier by
  // BOOT_MARGIN_MS and the first caller waits for the hour's start: the early callers really
  // hear the after-hours menu, however long the boot took within that margin.
  const hourStart = opening.toMillis() - (BEFORE_OPENING_MIN * 60_000 * hourMs) / 3_600_000;
  const at = DateTime.fromMillis(hourStart - BOOT_MARGIN_MS, { zone: ZONE }).toISO()!;
  const live = await startLive({ at, zone: ZONE, speed: o.speed, promptMs: 3000, ...(o.config ? { config: o.config } : {}), ...(o.mailer ? { mailer: o.mailer } : {}), ...(o.env ? { env: o.env } : {}) });
  const { fake, run } = live;
  const plan = run.engine.currentPlan();
  const report = new BusyHourReport(live.database, ZONE, (id) => plan.agents.get(id)?.name ?? id);
  const takeTexts = o.takeTexts ?? true;
  const transcribing = [...plan.mailboxes.values()].filter((m) => m.transcribe).map((m) => m.id);
  const speech = new Map<SpokenMessage, Int16Array>();
  const spoken = (name: SpokenMessage) => speech.get(name) ?? speech.set(name, voicemailSpeech(name)).get(name)!;
  const nextBehaviour = deskPhoneBehaviours(o.seed);
  for (const p of PHONES) fake.setAgent(p, nextBehaviour(p));
  // The on-call clinician answers the cell after 6 s and presses 1 to take the urgent call.
  for (const n of ON_CALL) fake.setAgent(n, { answer: 6000, dtmf: [{ at: 2500, digit: '1' }], hangupAfter: 150_000 });
  const start = Math.max(fake.now() + 2000, hourStart);
  const pending = busyHourScript(o.calls, o.seed, hourMs);
  const lastArrival = start + (pending.at(-1)?.at ?? 0);
  const tracked = new Map<string, Tracked>();
  const all: Tracked[] = [];
  const pausedSince = new Map<string, number>();
  const seenDials = new Set<string>();
  let logAt = 0;
  const problems: string[] = [];
  const transcriptWaitMs = o.transcriptWaitMs ?? 120_000;
  let overAt: number | null = null;
  let gaveUpAfterMs: number | null = null;
  const hangUp = (t: Tracked) => {
    t.hungUp = true;
    fake.hangupCaller(t.channelId);
  };
  // The caller may have hung up (or been hung up) a moment before: a key then goes nowhere.
  const press = (channelId: string, digit: string) => {
    try {
      fake.sendDtmf(channelId, digit);
    } catch {
      /* the channel is gone */
    }
  };
  for (;;) {
    const now = fake.now();
    while (pending.length && start + pending[0]!.at <= now) {
      const script = pending.shift()!;
      // Callers talk all along: whatever they leave in a mailbox is speech until they end it.
      const call = fake.placeCall({ did: '+15125550100', caller: script.caller, script: { dtmf: script.keys, speech: [{ at: 0, ms: 4 * 3_600_000 }] } });
      const t: Tracked = { script, channelId: call.channelId, queuedAt: null, starred: false, messageEndsAt: null, offer: null, textAskedAt: null, endedAt: null, hungUp: false };
      tracked.set(call.channelId, t);
      all.push(t);
    }
    const log = fake.eventLog();
    for (; logAt < log.length; logAt++) {
      const { event, delivery } = log[logAt]!;
      if (delivery !== 'sent') continue;
      const peer = (event.peer as { id?: string; name?: string } | undefined) ?? {};
      // Each desk-phone call takes the phone's behaviour when dialled; the next call gets a new one.
      if (event.type === 'Dial' && event.dialstatus === '' && peer.id && !seenDials.has(peer.id) && /^PJSIP\/10\d\d-/.test(peer.name ?? '')) {
        seenDials.add(peer.id);
        const phone = peer.name!.slice(0, 10);
        fake.setAgent(phone, nextBehaviour(phone));
      }
      if (event.type === 'RecordingStarted') {
        const t = tracked.get(String((event.recording as { target_uri: string }).target_uri).replace('channel:', ''));
        // A mailbox that transcribes hears the caller's real words, from just after the beep (this loop
        // may see the event a little late: the recording is made when it ends, so the words still
        // start there), then the caller ends the message; any other, the stand-in voice for the scripted length.
        if (t && transcribing.includes(run.store.callByChannel(t.channelId)?.target ?? '')) {
          const from = Date.parse(String(event.timestamp)) + TALK_AFTER_RECORDING_STARTED_MS;
          const pcm = spoken(t.script.says);
          try {
            fake.say(t.channelId, pcm, from);
            t.messageEndsAt = from + Math.ceil(pcm.length / 8) + PAUSE_AFTER_SPEECH_MS;
          } catch {
            /* the caller hung up first */
          }
        } else if (t) t.messageEndsAt = now + t.script.message.ms;
      }
      if (event.type === 'PlaybackStarted' && (event.playback as { media_uri: string }).media_uri === 'sound:pbx-router/sms-offer') {
        const t = tracked.get(String((event.playback as { target_uri: string }).target_uri).replace('channel:', ''));
        const queue = t ? plan.queues.get(run.store.callByChannel(t.channelId)?.target ?? '') : undefined;
        if (t && queue?.smsOffer) t.offer ??= { at: now, digit: queue.smsOffer.digit };
      }
    }
    for (const t of tracked.values()) {
      const c = run.store.callByChannel(t.channelId);
      if (!c) continue;
      if (c.state === 'queued' && !t.hungUp) {
        t.queuedAt ??= now;
        const text = takeTexts ? t.script.text : null;
        if (t.script.starAfter !== null && !t.starred && now - t.queuedAt >= t.script.starAfter) {
          t.starred = true;
          press(t.channelId, '*');
        } else if (text && t.offer && t.textAskedAt === null && now - t.offer.at >= text.pressAfter) {
          t.textAskedAt = now;
          press(t.channelId, t.offer.digit);
        } else if (now - t.queuedAt >= t.script.patience || (text && t.textAskedAt !== null && now - t.textAskedAt >= text.hangUpAfter)) hangUp(t);
      }
      if (t.messageEndsAt !== null && now >= t.messageEndsAt) {
        t.messageEndsAt = null;
        if (t.script.message.end === 'hash') press(t.channelId, '#');
        else hangUp(t);
      }
      if (c.state === 'ended') {
        if (t.endedAt === null) o.print?.(report.line(t.channelId, t.script));
        t.endedAt ??= now;
        // A caller the engine sent to the dialplan fallback hangs up there after a while.
        if (c.outcome !== 'failsafe') tracked.delete(t.channelId);
        else if (now - t.endedAt > 20_000) {
          hangUp(t);
          tracked.delete(t.channelId);
        }
      }
    }
    // An agent set not ready after missed calls makes themselves ready again after 90 s.
    for (const id of plan.agents.keys()) {
      if (run.engine.agentState(id) !== 'paused') pausedSince.delete(id);
      else if (!pausedSince.has(id)) pausedSince.set(id, now);
      else if (now - pausedSince.get(id)! > 90_000) {
        pausedSince.delete(id);
        run.engine.pauseAgent(id, false);
      }
    }
    if (o.print && transcribing.length) for (const l of report.newTranscripts()) o.print(l);
    const callsOver = !pending.length && !tracked.size && fake.channels().length === 0 && fake.bridges().length === 0;
    const transcriptsPending = transcribing.length ? report.pendingTranscripts() : 0;
    if (callsOver && report.pendingEmails() === 0 && report.pendingTexts() === 0 && transcriptsPending === 0) break;
    if (callsOver && (transcriptsPending > 0 || overAt !== null)) {
      // Transcripts (and the emails they queue) take real CPU time, whatever the clock's speed: wait for them in real time, within a bound.
      overAt ??= Date.now();
      if (Date.now() - overAt > transcriptWaitMs) {
        gaveUpAfterMs = transcriptsPending > 0 ? transcriptWaitMs : null;
        break;
      }
    } else if (now > lastArrival + (o.drainMs ?? 1_800_000)) {
      for (const t of tracked.values()) problems.push(`call #${t.script.n} (${t.channelId}) ${run.store.callByChannel(t.channelId) ? `still ${run.store.callByChannel(t.channelId)!.state}` : 'never reached the engine'} when the hour was over`);
      break;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  const neverArrived = fake.calls().filter((c) => c.outcome === 'failsafe').length;
  if (o.print && transcribing.length) for (const l of report.newTranscripts()) o.print(l);
  const summary = report.summary(all.length, neverArrived, { channels: fake.channels().length, bridges: fake.bridges().length }, { mailboxes: transcribing, gaveUpAfterMs });
  report.close();
  if (summary.openCalls) problems.push(`${summary.openCalls} call(s) still open in the store`);
  if (summary.channelsLeft || summary.bridgesLeft) problems.push(`left in Asterisk: ${summary.channelsLeft} channels, ${summary.bridgesLeft} bridges`);
  if (summary.failsafe) problems.push(`${summary.failsafe} call(s) went to the failsafe`);
  return { live, calls: all.map((t) => ({ script: t.script, channelId: t.channelId })), summary, problems, zone: ZONE, start };
}
