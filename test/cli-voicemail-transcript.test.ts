/**
 * The CLI on transcribed voicemail, from real calls through the engine (fake PBX, manual clock) into
 * a database file: `voicemail list` shows urgent and transcript status, `voicemail get` the
 * transcript with engine and confidence (text and JSON), `explain` the status and urgent words on
 * the voicemail, and `report` counts transcribed, failed and flagged urgent by transcript.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { textLogger } from '../src/logging/logger.js';
import { transcriptionQueue, type TranscriptionQueue } from '../src/notify/voicemail-transcripts.js';
import { VoicemailStore } from '../src/store/voicemail-store.js';
import { runCli as run } from './cli-helpers.js';
import { FakeTranscriber } from './fakes/fake-transcriber.js';
import { EXAMPLE_CONFIG, engineOnFakePbx } from './support/engine-fixture.js';
import { MAIN } from './support/numbers.js';

const ZONE = 'America/Chicago';

async function clinicWithMessages() {
  const cfg = parse(readFileSync(EXAMPLE_CONFIG, 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  cfg.mailboxes['front-desk'].transcribe = true;
  const transcriber = new FakeTranscriber({ kind: 'says', text: 'my father has chest pain please call', confidence: 0.91, cpuMs: 3000 }, 'whisper');
  let queue!: TranscriptionQueue;
  const f = engineOnFakePbx({
    yaml: stringify(cfg),
    at: '2026-11-24T19:05',
    db: 'temp',
    phones: 'noanswer',
    engine: ({ db, pbx, clock, plan }) => {
      const store = new VoicemailStore(db);
      queue = transcriptionQueue({ store, transcriber: () => transcriber, plan: () => plan, fetchRecording: (n) => pbx.recordingFile(n), flush: () => undefined, clock, log: textLogger(() => {}) });
      return { voicemail: { store, flush: async () => 0, transcribe: (id: number) => queue.add(id) } };
    },
  });
  const leave = async (caller: string) => {
    const ch = f.pbx.call(MAIN, caller);
    f.pbx.talk.set(ch, 12);
    await f.clock.advance(500);
    f.pbx.press(ch, '2');
    await f.clock.advance(60_000);
    await queue.idle();
    return f.store.callByChannel(ch)!.id;
  };
  const urgentCall = await leave('+15125550123');
  transcriber.behaviour = { kind: 'fails', error: 'model file missing' };
  await leave('+15125550124');
  f.close();
  return { db: f.dbPath, urgentCall };
}

describe('the CLI on transcribed voicemail', () => {
  it('list, get, explain and report show the transcript, its status and the urgent flag', async () => {
    const { db, urgentCall } = await clinicWithMessages();

    const list = await run('voicemail', 'list', '--db', db, '--tz', ZONE);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^2 {2}2026-11-24 19:06 CST {2}front-desk {2}from \+15125550124 {2}12s {2}\(email pending\) {2}transcript failed \(whisper\): whisper: model file missing$/m);
    expect(list.out).toMatch(/^1 {2}2026-11-24 19:05 CST {2}front-desk {2}from \+15125550123 {2}12s {2}URGENT \(urgent words in transcript\) {2}\(email pending\) {2}transcript done \(whisper, confidence 0\.91\)$/m);
    const urgent = JSON.parse((await run('voicemail', 'list', '--urgent', '--json', '--db', db, '--tz', ZONE)).out) as Record<string, unknown>[];
    expect(urgent.map((v) => [v.id, v.urgent, v.urgentByTranscript, v.transcriptStatus])).toEqual([[1, true, true, 'done']]);

    const get = await run('voicemail', 'get', '1', '--no-audio', '--db', db, '--tz', ZONE);
    expect(get.err).toBe('');
    expect(get.out.split('\n')).toEqual([
      'voicemail 1 in front-desk from +15125550123, 2026-11-24 19:05 CST, 12 s; URGENT (urgent words in transcript)',
      'transcript (whisper, confidence 0.91; made by a machine, it can be wrong):',
      '  my father has chest pain please call',
      'urgent words: "chest pain"',
      '',
    ]);
    const failed = await run('voicemail', 'get', '2', '--no-audio', '--db', db, '--tz', ZONE);
    expect(failed.out).toContain('transcript: failed (whisper): whisper: model file missing');
    const json = JSON.parse((await run('voicemail', 'get', '1', '--json', '--db', db)).out) as { transcript: Record<string, unknown>; audio: unknown };
    expect(json.transcript).toMatchObject({ status: 'done', text: 'my father has chest pain please call', engine: 'whisper', confidence: 0.91, cpuMs: 3000, urgentWords: ['chest pain'], error: null });
    expect(json.audio).toBeNull();

    const explain = await run('explain', urgentCall, '--db', db, '--tz', ZONE);
    expect(explain.code).toBe(0);
    expect(explain.out).toMatch(/voicemail 1 in mailbox front-desk: 12 s, urgent \(urgent words in transcript\)\n\s+transcript done \(whisper, confidence 0\.91\)\n\s+urgent words in transcript: "chest pain"/);

    const report = await run('report', '--from', '2026-11-24', '--db', db, '--tz', ZONE);
    expect(report.out).toContain('  voicemails: 2 (1 urgent): front-desk 2');
    expect(report.out).toContain('    transcribed: 1, failed: 1; flagged urgent by their transcript: 1');
    const reportJson = JSON.parse((await run('report', '--from', '2026-11-24', '--json', '--db', db, '--tz', ZONE)).out) as { voicemails: { transcripts: unknown } };
    expect(reportJson.voicemails.transcripts).toEqual({ done: 1, failed: 1, pending: 0, urgent: 1 });
  });

  it('get without --no-audio and no ARI password says how to read the transcript alone', async () => {
    const { db } = await clinicWithMessages();
    const saved = { ...process.env };
    delete process.env.ASTERISK_ARI_PASSWORD;
    delete process.env.ARI_PASSWORD;
    try {
      const r = await run('voicemail', 'get', '1', '--db', db, '--tz', ZONE, '--secrets', '/nonexistent-secrets');
      expect(r.out).toContain('my father has chest pain please call');
      expect(r.code).not.toBe(0);
      expect(r.err).toMatch(/ASTERISK_ARI_PASSWORD|secrets/);
    } finally {
      process.env = saved;
    }
  });
});
