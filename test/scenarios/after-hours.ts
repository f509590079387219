/**
 * Helpers for the issue 4 live scenarios (on-call forwarding, voicemail to email, callbacks): a
 * real SMTP server on loopback for the engine's mailer, config variants written to a temp folder,
 * and readers of what the fake Asterisk and the database hold.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ParsedMail } from 'mailparser';
import { parse, stringify } from 'yaml';
import { smtpMailer } from '../../src/notify/mailer.js';
import { openDb } from '../../src/store/db.js';
import { VoicemailStore, type VoicemailRecord } from '../../src/store/voicemail-store.js';
import { startSmtp, type TestSmtp } from '../fakes/smtp.js';
import { CALLER, MAIN } from '../support/numbers.js';
import { startLive, type Live, type LiveOptions } from './live-harness.js';

/** The trunk dial string of a cell, as the example config's outbound.trunk writes it. */
export const trunk = (n: string) => `PJSIP/${n}@carrier`;

export interface AfterHours {
  readonly live: Live;
  readonly smtp: TestSmtp;
  stop(): Promise<void>;
}

/** The engine against the fake with its mailer on a real SMTP server (STARTTLS, self-signed). */
export async function startAfterHours(o: LiveOptions): Promise<AfterHours> {
  const smtp = await startSmtp();
  const mailer = smtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'pbx-router@riverside-clinic.example', tls: 'required', allowSelfSigned: true });
  const live = await startLive({ ...o, mailer });
  return {
    live,
    smtp,
    async stop() {
      await live.stop();
      await smtp.close();
    },
  };
}

const variantDirs: string[] = [];

/**
 * The example config with values set at dotted paths (`outbound.maxForwardsPerNumberPerHour`; an
 * undefined value deletes the key), written to a temp file that removeVariants() deletes.
 */
export function variant(changes: Readonly<Record<string, unknown>>, base = 'config/example-clinic.yaml'): string {
  const config = parse(readFileSync(base, 'utf8')) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    const last = keys.pop()!;
    const parent = keys.reduce((node, k) => node[k] as Record<string, unknown>, config);
    if (value === undefined) delete parent[last];
    else parent[last] = value;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pbx-variant-'));
  variantDirs.push(dir);
  const file = join(dir, 'clinic.yaml');
  writeFileSync(file, stringify(config));
  return file;
}

/** Removes the temp files of variant(). */
export function removeVariants(): void {
  while (variantDirs.length) rmSync(variantDirs.pop()!, { recursive: true, force: true });
}

/** A caller who presses `keys` (the first at 3 s, then one a second) and talks in 2-s bursts from `talkFrom` to `talkUntil` ms. */
export function urgentCaller(l: Live, keys: string[], talk: { from: number; until: number } | null = null, number = CALLER) {
  const speech = talk ? Array.from({ length: Math.floor((talk.until - talk.from) / 3000) }, (_, i) => ({ at: talk.from + i * 3000, ms: 2000 })) : [];
  return l.fake.placeCall({ did: MAIN, caller: number, script: { dtmf: keys.map((digit, i) => ({ at: 3000 + i * 1000, digit })), speech } });
}

/** Media the fake started playing to a channel, in order. */
export const played = (l: Live, channel: string) =>
  l
    .events('PlaybackStarted')
    .filter((e) => (e.playback as { target_uri: string }).target_uri === `channel:${channel}`)
    .map((e) => (e.playback as { media_uri: string }).media_uri);

/** Outbound legs the engine originated through the trunk: the dial string and the caller id they carried. */
export function trunkLegs(l: Live): { id: string; dialstring: string; callerId: string }[] {
  return l
    .events('Dial')
    .filter((e) => e.dialstatus === '' && String(e.dialstring).includes('@carrier'))
    .map((e) => {
      const peer = e.peer as { id: string; caller: { number: string } };
      return { id: peer.id, dialstring: `PJSIP/${String(e.dialstring)}`, callerId: peer.caller.number };
    });
}

export interface StoredAttempt {
  readonly member: string;
  readonly number: string;
  readonly result: string;
  readonly startedAt: number | null;
  readonly answeredAt: number | null;
  readonly digit: string | null;
}

/** The on-call attempts stored for a call, in order (member, number, result). */
export const attempts = (l: Live, callId: string) => storedAttempts(l, callId).map(({ member, number, result }) => ({ member, number, result }));

/** The on-call attempts stored for a call with every field. */
export const storedAttempts = (l: Live, callId: string) =>
  l.run.store
    .events(callId)
    .filter((e) => e.type === 'oncall-attempt')
    .map((e) => e.data as StoredAttempt);

/** The voicemails in the engine's database (read through a second connection, as the CLI does). */
export function voicemails(l: Live): VoicemailRecord[] {
  const db = openDb(l.database);
  try {
    return new VoicemailStore(db).list();
  } finally {
    db.close();
  }
}

/** The addresses a received email went to. */
export const recipients = (m: ParsedMail) => [m.to].flat().flatMap((t) => (t ? t.value.map((v) => v.address) : []));

/** Waits for no channel and no bridge left in the fake. */
export const nothingLeft = (l: Live) => l.until('no channels and no bridges left', () => l.fake.channels().length === 0 && l.fake.bridges().length === 0);
