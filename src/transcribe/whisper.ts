/**
 * The whisper.cpp engine, through the npm binding `@fugood/whisper.node` (CPU build), with a
 * ggml model file the clinic already has (`transcription.model`). The engine never fetches a
 * model: the binding can download one from a URL, and no URL is ever given to it. The binding is
 * not one of pbx-router's dependencies (its install brings GPU variants of about 240 MB); a
 * clinic that turns this engine on installs it beside pbx-router (docs/clinic-it.md), and until
 * then the engine says so. Whisper gives no per-word probabilities through this binding, so the
 * confidence is null.
 */
import { access, constants } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Transcriber, Transcript } from './transcriber.js';
import { readWav, resampleTo16k } from './wav-file.js';

export const WHISPER_PACKAGE = '@fugood/whisper.node';
const DEFAULT_TIMEOUT_MS = 300_000;

interface WhisperContext {
  transcribeData(data: ArrayBuffer, options: Record<string, unknown>): { stop(): Promise<void>; promise: Promise<{ result: string; isAborted: boolean }> };
  release(): Promise<void>;
}
interface WhisperBinding {
  initWhisper(options: { filePath?: string; model?: string; useGpu?: boolean }): Promise<WhisperContext>;
}

export interface WhisperOptions {
  /** The ggml model file (for example ggml-base.en.bin). */
  readonly model: string;
  /** Threads for one transcription (default: half the cores, at least 1: calls come first). */
  readonly threads?: number;
  /** Loads the binding (tests replace it); default a dynamic import of @fugood/whisper.node. */
  readonly load?: () => Promise<WhisperBinding>;
}

const importBinding = async (): Promise<WhisperBinding> => {
  const name = WHISPER_PACKAGE;
  try {
    return (await import(name)) as WhisperBinding;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(`the npm package ${WHISPER_PACKAGE} is not installed: install it beside pbx-router (npm install --omit=optional ${WHISPER_PACKAGE}@1.1.3 @fugood/node-whisper-linux-x64@1.1.3: about 15 MB, the CPU build), or use engine: pocketsphinx`);
    }
    throw err;
  }
};

export function whisperTranscriber(options: WhisperOptions): Transcriber & { close(): Promise<void> } {
  let context: Promise<WhisperContext> | undefined;
  const threads = options.threads ?? Math.max(1, Math.floor(availableParallelism() / 2));
  const open = () =>
    (context ??= (async () => {
      try {
        await access(options.model, constants.R_OK);
      } catch {
        throw new Error(`model file ${options.model} is missing or unreadable (transcription.model); the engine never downloads one`);
      }
      const binding = await (options.load ?? importBinding)();
      try {
        return await binding.initWhisper({ filePath: options.model, model: options.model, useGpu: false });
      } catch (err) {
        throw new Error(`model file ${options.model} could not be loaded: ${(err as Error).message}`);
      }
    })().catch((err: unknown) => {
      context = undefined;
      throw err;
    }));

  return {
    engine: 'whisper',
    async close() {
      const c = context && (await context.catch(() => undefined));
      context = undefined;
      await c?.release();
    },
    async transcribe(wav, opts = {}): Promise<Transcript> {
      try {
        const pcm = resampleTo16k(readWav(wav));
        const ctx = await open();
        const started = process.cpuUsage();
        const data = pcm.samples.buffer.slice(pcm.samples.byteOffset, pcm.samples.byteOffset + pcm.samples.byteLength) as ArrayBuffer;
        const job = ctx.transcribeData(data, { language: 'en', temperature: 0, maxThreads: threads });
        const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
        let timer: NodeJS.Timeout | undefined;
        const abort = () => void job.stop().catch(() => undefined);
        const stopped = new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            abort();
            reject(new Error(`timed out after ${timeoutMs} ms`));
          }, timeoutMs);
          opts.signal?.addEventListener('abort', () => {
            abort();
            reject(new Error('aborted'));
          }, { once: true });
        });
        try {
          const result = await Promise.race([job.promise, stopped]);
          const cpu = process.cpuUsage(started);
          const text = result.result.toLowerCase().replace(/\[[^\]]*\]|\([^)]*\)/g, ' ').replace(/[^a-z0-9' ]+/g, ' ').replace(/\s+/g, ' ').trim();
          return { text, confidence: null, engine: 'whisper', cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
        } finally {
          clearTimeout(timer);
        }
      } catch (err) {
        throw new Error(`whisper: ${(err as Error).message}`);
      }
    },
  };
}
