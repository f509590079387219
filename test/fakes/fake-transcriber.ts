/**
 * A Transcriber for tests: says the words it is given, fails with a given error, throws at once (an
 * engine that crashes), answers with something that is not a transcript, or hangs (honouring the abort signal, or not: an engine that ignores its own
 * time limit). What it was asked is kept: the WAVs it heard and how many times it was aborted.
 */
import type { Transcriber, TranscriberEngine, Transcript } from '../../src/transcribe/transcriber.js';

export type FakeTranscriberBehaviour =
  | { readonly kind: 'says'; readonly text: string; readonly confidence?: number; readonly cpuMs?: number }
  | { readonly kind: 'fails'; readonly error: string }
  | { readonly kind: 'throws'; readonly error: string }
  | { readonly kind: 'hangs'; readonly ignoresAbort?: boolean }
  /** Resolves with whatever it is given (an engine whose answer is not a transcript). */
  | { readonly kind: 'returns'; readonly value: unknown };

export class FakeTranscriber implements Transcriber {
  /** The recordings it was given, in order. */
  readonly heard: Buffer[] = [];
  /** Times a running transcription was aborted through its signal. */
  aborted = 0;
  /** Transcriptions running now. */
  running = 0;
  /** The most transcriptions that ever ran at once. */
  mostAtOnce = 0;

  constructor(
    public behaviour: FakeTranscriberBehaviour,
    readonly engine: TranscriberEngine = 'pocketsphinx',
  ) {}

  transcribe(wav: Buffer, options: { readonly timeoutMs?: number; readonly signal?: AbortSignal } = {}): Promise<Transcript> {
    const b = this.behaviour;
    this.heard.push(wav);
    if (b.kind === 'throws') throw new Error(`${this.engine}: ${b.error}`);
    this.running++;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    const done = <T>(p: Promise<T>) => p.finally(() => this.running--);
    if (b.kind === 'says') return done(Promise.resolve({ text: b.text, confidence: b.confidence ?? 0.9, engine: this.engine, cpuMs: b.cpuMs ?? 1500 }));
    if (b.kind === 'fails') return done(Promise.reject(new Error(`${this.engine}: ${b.error}`)));
    if (b.kind === 'returns') return done(Promise.resolve(b.value as Transcript));
    return done(
      new Promise<Transcript>((_resolve, reject) => {
        options.signal?.addEventListener('abort', () => {
          this.aborted++;
          if (!b.ignoresAbort) reject(new Error(`${this.engine}: aborted`));
        });
      }),
    );
  }
}
