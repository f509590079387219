/**
 * Reading the raw ARI transcripts of test/fixtures/ari-transcripts (see its README.md): one JSON
 * object per line, `event`, `rest` or `note`, in the order the recording client saw them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Json, JsonObject } from '../model/types.js';

/** A WebSocket event as received. */
export interface EventLine {
  readonly kind: 'event';
  readonly t: number;
  readonly event: JsonObject;
}

/** A REST exchange: what was sent, and the answer. */
export interface RestLine {
  readonly kind: 'rest';
  readonly t: number;
  readonly t_sent: number;
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: Json;
  readonly status: number;
  /** The JSON answer, a string for other text, null for none. */
  readonly response: Json;
  readonly all_headers?: readonly string[];
}

/** What the recording script did or printed. */
export interface NoteLine {
  readonly kind: 'note';
  readonly t: number;
  readonly text: string;
}

export type TranscriptLine = EventLine | RestLine | NoteLine;

export const TRANSCRIPT_DIR = new URL('../../fixtures/ari-transcripts/', import.meta.url).pathname;

/** Loads the transcript whose file name starts with `prefix` (`01-`, `12-`...). */
export function loadTranscript(prefix: string): { file: string; lines: TranscriptLine[] } {
  const file = readdirSync(TRANSCRIPT_DIR).find((f) => f.startsWith(prefix) && f.endsWith('.jsonl'));
  if (!file) throw new Error(`no transcript ${prefix}* in ${TRANSCRIPT_DIR}`);
  const lines = readFileSync(join(TRANSCRIPT_DIR, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TranscriptLine);
  return { file, lines };
}

/** Variables the lab's sim-hold loop sets (noise that is no Asterisk behaviour). */
const NOISE_VARS = /^(LOCAL\(|ARG\d|ARGC$|left$|WHILE_|END_WHILE_|sim-hold_|GOSUB_RETVAL$|PLAYBACKSTATUS$)/;
/** Dialplan applications of the lab's sim-caller/sim-hold dialplan (noise). */
const NOISE_APPS = new Set(['Gosub', 'Set', 'While', 'EndWhile', 'Return', 'ExecIf', 'Playback']);

/** True for an event that only reflects the lab's simulation dialplan, not Asterisk's behaviour. */
export function isLabNoise(e: JsonObject): boolean {
  if (e.type === 'ChannelDialplan') return NOISE_APPS.has(String(e.dialplan_app));
  if (e.type === 'ChannelVarset') return NOISE_VARS.test(String(e.variable));
  return false;
}

/** The object an event is about: its sequence is compared per subject. */
export function subjectOf(e: JsonObject): string | null {
  const obj = (k: string) => (e[k] && typeof e[k] === 'object' && !Array.isArray(e[k]) ? (e[k] as JsonObject) : null);
  if (e.type === 'Dial') return `channel:${String(obj('peer')?.id)}`;
  if (obj('channel')) return `channel:${String(obj('channel')?.id)}`;
  if (obj('playback')) return `playback:${String(obj('playback')?.id)}`;
  if (obj('recording')) return `recording:${String(obj('recording')?.name)}`;
  if (obj('bridge')) return `bridge:${String(obj('bridge')?.id)}`;
  return null;
}
