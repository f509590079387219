/**
 * Voicemail transcription in the demo: the engine loads a copy of the config in which the nurse
 * line and the front desk transcribe their messages with Debian's pocketsphinx, on this machine.
 * The example config leaves transcription off (turned on there, every voicemail of every test
 * that loads it would run pocketsphinx); the demo turns it on in its copy, and only when
 * pocketsphinx and its US English model are installed: otherwise the hour runs without it and the
 * demo says how to install them.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Document } from 'yaml';
import { DEBIAN_MODEL_DIR } from '../../src/transcribe/pocketsphinx.js';
import type { DemoTexts } from './demo-texts.js';

/**
 * The mailboxes that transcribe in the demo (in the config's order): the front desk (the
 * after-hours messages and the queues' overflow, where a symptom left in the wrong mailbox would
 * otherwise wait for someone to listen) and the nurse line (clinical messages). About 30 of the
 * hour's 55 messages; the prescription line's refill requests are left as they are.
 */
export const DEMO_TRANSCRIBED: readonly string[] = ['front-desk', 'nurse-line'];

/**
 * The demo's transcription section, as config/example-clinic.yaml shows it commented out. The
 * timeout is the schema's largest: the engine's clock runs `speed` times faster than pocketsphinx
 * (75x: 120 s would be 1.6 s of real time, less than one message takes on a loaded machine; 3600 s
 * is 48 s).
 */
export const DEMO_TRANSCRIPTION = {
  engine: 'pocketsphinx',
  timeout: 3600,
  urgentWords: ['chest pain', "can't breathe", 'bleeding', 'stroke', 'seizure', 'overdose'],
  onUrgent: { email: ['oncall-pager@riverside-clinic.example'] },
} as const;

/** What to run when pocketsphinx is missing. */
export const INSTALL_POCKETSPHINX = 'sudo apt-get install pocketsphinx pocketsphinx-en-us, or bash scripts/ensure-pocketsphinx.sh';

export interface DemoTranscription {
  /** The config for the engine: with transcription on, or the texts' copy when it is skipped. */
  readonly config: string;
  /** The mailboxes that transcribe; empty when skipped. */
  readonly mailboxes: readonly string[];
  /** Why transcription is skipped (one line for the demo to print), or null. */
  readonly skipped: string | null;
}

/** Null when `pocketsphinx_continuous` is on PATH and Debian's US English model is installed; else what is missing. */
export function pocketsphinxMissing(env: NodeJS.ProcessEnv = process.env, modelDir = DEBIAN_MODEL_DIR): string | null {
  const onPath = (env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d || '.', 'pocketsphinx_continuous'), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  if (!onPath) return 'pocketsphinx is not installed';
  if (!existsSync(join(modelDir, 'en-us')) || !existsSync(join(modelDir, 'cmudict-en-us.dict'))) return `pocketsphinx's US English model is not installed (no ${modelDir})`;
  return null;
}

/**
 * Turns transcription on for those of `mailboxes` the config has, with the demo's section (a
 * config that has its own keeps it, with the demo's timeout); returns the mailboxes turned on.
 */
export function transcribeIn(doc: Document, mailboxes: readonly string[]): string[] {
  const present = mailboxes.filter((m) => doc.hasIn(['mailboxes', m]));
  if (!present.length) return [];
  for (const m of present) doc.setIn(['mailboxes', m, 'transcribe'], true);
  if (doc.has('transcription')) doc.setIn(['transcription', 'timeout'], DEMO_TRANSCRIPTION.timeout);
  else doc.set('transcription', doc.createNode(DEMO_TRANSCRIPTION));
  return present;
}

/** The demo's config with transcription on (a copy next to the texts' copy), or the reason it is skipped. */
export function demoTranscription(texts: DemoTexts, env: NodeJS.ProcessEnv = process.env): DemoTranscription {
  const missing = pocketsphinxMissing(env);
  if (missing) return { config: texts.config, mailboxes: [], skipped: `voicemail transcription skipped: ${missing} (${INSTALL_POCKETSPHINX})` };
  let mailboxes: string[] = [];
  const config = texts.variant('transcribing', (doc) => (mailboxes = transcribeIn(doc, DEMO_TRANSCRIBED)));
  if (!mailboxes.length) return { config: texts.config, mailboxes, skipped: `voicemail transcription skipped: the config has none of the mailboxes ${DEMO_TRANSCRIBED.join(', ')}` };
  return { config, mailboxes, skipped: null };
}
