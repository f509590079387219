/**
 * Checks of the `transcription:` section: whisper needs a model file (pocketsphinx, the default,
 * needs none), an urgent word cannot be blank (it would match nothing, or everything), and a
 * section that no mailbox uses is worth a warning. Whether the model file exists is checked by the
 * loader (a warning: the file lives on the clinic server).
 */
import type { ConfigPath } from './load.js';
import { printable } from './printable.js';
import type { Config } from './schema.js';
import type { SemanticIssue } from './semantic.js';

/** Problems of the transcription section. */
export function transcriptionIssues(cfg: Config): SemanticIssue[] {
  const issues: SemanticIssue[] = [];
  const add = (path: ConfigPath, code: string, message: string, severity?: 'warning', key = false) => issues.push({ path, code, message, key, ...(severity ? { severity } : {}) });
  const t = cfg.transcription;
  if (!t) return issues;
  const engine = t.engine ?? 'pocketsphinx';
  if (engine === 'whisper' && t.model === undefined) {
    add(['transcription', 'engine'], 'missing-model', 'transcription.engine whisper needs transcription.model: the path of a whisper model file already on this server (e.g. /var/lib/pbx-router/ggml-base.en.bin); nothing is downloaded. Or use engine: pocketsphinx, which needs none');
  }
  if (engine === 'pocketsphinx' && t.model !== undefined) {
    add(['transcription', 'model'], 'unused-model', 'transcription.model is only used by engine: whisper; pocketsphinx (the engine set) ignores it', 'warning');
  }
  t.urgentWords?.forEach((w, i) => {
    if (w.trim() === '') add(['transcription', 'urgentWords', i], 'empty-urgent-word', `urgent word ${i + 1} is empty; write a word or phrase (e.g. "chest pain"), or remove it`);
    else if (!/[\p{L}\p{N}]/u.test(w)) add(['transcription', 'urgentWords', i], 'empty-urgent-word', `urgent word ${i + 1} '${printable(w, 40)}' has no letters or digits, so no transcript can match it`);
  });
  if (!Object.values(cfg.mailboxes ?? {}).some((m) => m.transcribe === true)) {
    add(['transcription'], 'unused-transcription', 'no mailbox has transcribe: true, so nothing is transcribed; turn it on per mailbox (mailboxes.<id>.transcribe: true)', 'warning', true);
  }
  return issues;
}
