/**
 * Commands on the records in the database: voicemails (list, fetch a recording through ARI) and
 * callback requests (list, mark done). They open the database read-write only for `done`. Lists
 * show times in the clinic's zone (from the config, or --tz), and print JSON with --json.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { AriTelephony } from '../asterisk/ari-telephony.js';
import { secretsEnv } from '../config/secrets.js';
import { ariSettingsFromEnv, DEFAULT_DATABASE } from '../main.js';
import { CallStore } from '../store/call-store.js';
import { openStore } from '../store/open-store.js';
import { VoicemailStore, type VoicemailRecord } from '../store/voicemail-store.js';
import { FAILSAFE_BOX, FAILSAFE_RECORDING } from '../notify/failsafe-box.js';
import { InputError } from './inputs.js';
import { transcriptJson, transcriptLines, transcriptSummary, urgentByTranscript, urgentLabel } from './voicemail-view.js';
import { displayZone, zoneOptions } from './zone.js';
import type { Io } from './io.js';

const DB = DEFAULT_DATABASE;
const when = (ms: number | null, zone: string) => (ms === null ? '-' : DateTime.fromMillis(ms, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ'));
const iso = (ms: number | null, zone: string) => (ms === null ? null : DateTime.fromMillis(ms, { zone }).toISO());

/** The zone asked for (checked), else the config's when there is one to read, else UTC: one voicemail is shown even without a config. */
function shownZone(o: { tz?: string; config?: string }): string {
  if (o.tz !== undefined || o.config !== undefined) return displayZone(o);
  try {
    return displayZone(o);
  } catch {
    return 'UTC';
  }
}

/** Fetches a voicemail's recording from Asterisk into a WAV file (0600). */
async function fetchWav(v: VoicemailRecord, id: string, o: { out?: string; secrets?: string }): Promise<{ file: string; bytes: number }> {
  if (v.recording.startsWith(FAILSAFE_RECORDING)) throw new InputError(`voicemail ${id} was left in the failsafe box ${FAILSAFE_BOX} while the engine was down; Asterisk keeps it there: listen to it with *97 from a desk phone`);
  const s = ariSettingsFromEnv(secretsEnv(o.secrets));
  if (!s.password) throw new InputError('set ASTERISK_ARI_PASSWORD (secrets file or environment) to fetch recordings from Asterisk (or pass --no-audio for the transcript only)');
  const ari = new AriTelephony({ url: s.url, user: s.user, password: s.password, app: `${s.app}-cli` });
  try {
    await ari.start();
    const wav = await ari.recordingFile(v.recording);
    const file = o.out ?? `voicemail-${id}.wav`;
    writeFileSync(file, wav, { mode: 0o600 });
    return { file, bytes: wav.length };
  } finally {
    ari.stop();
  }
}

/** Adds `voicemail` and `callbacks` to the program. */
export function addRecordCommands(program: Command, io: Io, setCode: (c: number) => void): void {
  const vm = program.command('voicemail').description('voicemails: list them, fetch a recording');
  zoneOptions(
    vm
      .command('list')
      .description('voicemails, newest first, with urgent and transcript status; --pending: those whose email is not delivered yet')
      .option('--db <file>', 'SQLite file or postgres:// URL', DB)
      .option('--pending', 'only messages whose email is still waiting')
      .option('--urgent', 'only messages flagged urgent (by the caller\'s path or by urgent words in the transcript)')
      .option('--json', 'a JSON array (times ISO-8601 with the offset of the time zone)'),
  ).action((o: { db: string; pending?: boolean; urgent?: boolean; tz?: string; config?: string; json?: boolean }) => {
    const zone = displayZone(o);
    const store = new VoicemailStore(openStore(o.db));
    const pending = store.pending();
    if (o.pending) {
      if (o.json) return io.out(JSON.stringify(pending.map((m) => ({ id: m.id, voicemailId: m.voicemailId, attempts: m.attempts, nextAttempt: iso(m.nextAttempt, zone), lastError: m.lastError })), null, 2));
      for (const m of pending) io.out(`email ${m.id} for voicemail ${m.voicemailId ?? '-'}: ${m.attempts} attempt(s), next ${when(m.nextAttempt, zone)}, last error: ${m.lastError ?? 'none'}`);
      io.out(`${pending.length} email(s) waiting`);
      return;
    }
    const waiting = new Set(pending.map((m) => m.voicemailId));
    const list = store.list().filter((v) => !o.urgent || v.urgent);
    if (o.json) {
      const rows = list.map((v) => ({
        id: v.id,
        callId: v.callId,
        createdAt: iso(v.createdAt, zone),
        mailbox: v.mailbox,
        caller: v.caller,
        did: v.did,
        site: v.site,
        reason: v.reason,
        urgent: v.urgent,
        urgentByTranscript: urgentByTranscript(v),
        duration: v.duration,
        emailPending: waiting.has(v.id),
        transcriptStatus: v.transcriptStatus,
        purgedAt: iso(v.purgedAt, zone),
      }));
      return io.out(JSON.stringify(rows, null, 2));
    }
    for (const v of list) {
      const urgent = urgentLabel(v);
      const transcript = transcriptSummary(v);
      io.out(`${v.id}  ${when(v.createdAt, zone)}  ${v.mailbox}  from ${v.caller}  ${v.duration}s${urgent ? `  ${urgent}` : ''}${waiting.has(v.id) ? '  (email pending)' : ''}${transcript ? `  ${transcript}` : ''}`);
    }
  });
  zoneOptions(
    vm
      .command('get')
      .description('one voicemail: its facts and transcript, and its recording fetched from Asterisk (ARI GET /recordings/stored/{name}/file) into a WAV file')
      .argument('<id>', 'voicemail id')
      .option('--db <file>', 'SQLite file or postgres:// URL', DB)
      .option('-o, --out <file>', 'where to write the WAV (default voicemail-<id>.wav)')
      .option('--no-audio', 'show the transcript only; do not fetch the recording')
      .option('--json', 'the voicemail and its transcript as JSON (the recording is fetched only with --out)')
      .option('--secrets <file>', 'secrets file with ASTERISK_ARI_PASSWORD (env PBX_ROUTER_SECRETS)'),
  ).action(async (id: string, o: { db: string; out?: string; audio: boolean; json?: boolean; secrets?: string; tz?: string; config?: string }) => {
    const v = new VoicemailStore(openStore(o.db)).get(Number(id));
    if (!v) throw new InputError(`no voicemail ${id} (see pbx-router voicemail list)`);
    if (v.purgedAt !== null) throw new InputError(`voicemail ${id} was purged by the retention policy`);
    const fetchAudio = o.json ? o.out !== undefined : o.audio;
    if (o.json) {
      const zone = o.tz === undefined && o.config === undefined ? 'UTC' : displayZone(o);
      const audio = fetchAudio ? await fetchWav(v, id, o) : null;
      const record = { id: v.id, callId: v.callId, createdAt: iso(v.createdAt, zone), mailbox: v.mailbox, caller: v.caller, did: v.did, site: v.site, reason: v.reason, duration: v.duration, urgent: v.urgent, transcript: transcriptJson(v), audio };
      return io.out(JSON.stringify(record, null, 2));
    }
    const zone = shownZone(o);
    const urgent = urgentLabel(v);
    io.out(`voicemail ${v.id} in ${v.mailbox} from ${v.caller || 'a withheld number'}, ${when(v.createdAt, zone)}, ${v.duration} s${urgent ? `; ${urgent}` : ''}`);
    for (const line of transcriptLines(v)) io.out(line);
    if (!fetchAudio) return;
    const audio = await fetchWav(v, id, o);
    io.out(`wrote ${audio.file} (${audio.bytes} bytes)`);
  });

  const cb = program.command('callbacks').description('callback requests: list them, mark one done');
  zoneOptions(
    cb
      .command('list')
      .description('callback requests, soonest deadline first')
      .option('--db <file>', 'SQLite file or postgres:// URL', DB)
      .option('--open', 'only those not done')
      .option('--json', 'a JSON array (times ISO-8601 with the offset of the time zone)'),
  ).action((o: { db: string; open?: boolean; tz?: string; config?: string; json?: boolean }) => {
    const zone = displayZone(o);
    const list = new CallStore(openStore(o.db)).callbacks(Boolean(o.open));
    if (o.json) {
      const rows = list.map((c) => ({ id: c.id, callId: c.callId, number: c.number, reason: c.reason, list: c.list, site: c.site, createdAt: iso(c.createdAt, zone), deadline: iso(c.deadline, zone), doneAt: iso(c.doneAt, zone), doneBy: c.doneBy }));
      return io.out(JSON.stringify(rows, null, 2));
    }
    for (const c of list) {
      io.out(`${c.id}  ${c.number}  ${c.reason ?? '-'}  list ${c.list}  due ${when(c.deadline, zone)}  ${c.doneAt !== null ? `done ${when(c.doneAt, zone)}${c.doneBy ? ` by ${c.doneBy}` : ''}` : 'open'}`);
    }
    io.out(`${list.length} callback request(s)`);
  });
  cb.command('done')
    .description('mark a callback request done')
    .argument('<id>', 'callback id')
    .option('--db <file>', 'SQLite file or postgres:// URL', DB)
    .option('--by <name>', 'who called back')
    .action((id: string, o: { db: string; by?: string }) => {
      const ok = new CallStore(openStore(o.db)).callbackDone(Number(id), Date.now(), o.by ?? null);
      if (!ok) {
        io.err(`callback ${id} does not exist or is already done`);
        setCode(1);
        return;
      }
      io.out(`callback ${id} done`);
    });
}
