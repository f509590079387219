/**
 * The whisper engine's own work: it never loads a model it cannot read, never hands the binding a
 * URL, feeds it 16 kHz PCM, cleans the text and stops a run past its timeout. The binding is
 * replaced by a recording stand-in (no model file can be fetched here, and the engine never does).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeWav } from '../../../src/transcribe/wav-file.js';
import { whisperTranscriber } from '../../../src/transcribe/whisper.js';

const dir = mkdtempSync(join(tmpdir(), 'pbx-whisper-'));
const model = join(dir, 'ggml-base.en.bin');
writeFileSync(model, 'not really a model');
const voicemail = writeWav({ rate: 8000, samples: new Int16Array(8000) });

function binding(answer: () => Promise<{ result: string; isAborted: boolean }>) {
  const seen = { init: [] as unknown[], samples: [] as number[], stopped: 0, released: 0 };
  return {
    seen,
    load: async () => ({
      async initWhisper(options: unknown) {
        seen.init.push(options);
        return {
          transcribeData(data: ArrayBuffer) {
            seen.samples.push(data.byteLength / 2);
            return { stop: async () => void seen.stopped++, promise: answer() };
          },
          release: async () => void seen.released++,
        };
      },
    }),
  };
}

describe('whisper', () => {
  it('refuses a model file it cannot read, and never downloads one', async () => {
    const fake = binding(async () => ({ result: 'x', isAborted: false }));
    const t = whisperTranscriber({ model: join(dir, 'missing.bin'), load: fake.load });
    await expect(t.transcribe(voicemail)).rejects.toThrow(/whisper: model file .*missing\.bin is missing or unreadable \(transcription\.model\); the engine never downloads one/);
    expect(fake.seen.init).toEqual([]);
  });

  it('says how to install the binding when it is not installed', async () => {
    await expect(whisperTranscriber({ model }).transcribe(voicemail)).rejects.toThrow(/the npm package @fugood\/whisper\.node is not installed/);
  });

  it('loads the model file on the CPU, with no URL, and feeds one second of 8 kHz audio as 16,000 samples', async () => {
    const fake = binding(async () => ({ result: ' [BLANK_AUDIO] Hello, I have Chest pain!  Please call me back. ', isAborted: false }));
    const t = whisperTranscriber({ model, load: fake.load });
    const out = await t.transcribe(voicemail);
    expect(out).toMatchObject({ text: 'hello i have chest pain please call me back', confidence: null, engine: 'whisper' });
    expect(fake.seen.init).toEqual([{ filePath: model, model, useGpu: false }]);
    expect(JSON.stringify(fake.seen.init)).not.toMatch(/url/i);
    expect(fake.seen.samples).toEqual([16000]);
    await t.transcribe(voicemail);
    expect(fake.seen.init).toHaveLength(1);
    await t.close();
    expect(fake.seen.released).toBe(1);
  });

  it('stops a transcription past its timeout', async () => {
    const fake = binding(() => new Promise(() => undefined));
    const t = whisperTranscriber({ model, load: fake.load });
    await expect(t.transcribe(voicemail, { timeoutMs: 200 })).rejects.toThrow(/whisper: timed out after 200 ms/);
    expect(fake.seen.stopped).toBe(1);
  });

  it('names a model file the binding cannot load', async () => {
    const t = whisperTranscriber({ model, load: async () => ({ initWhisper: async () => Promise.reject(new Error('invalid model data (bad magic)')) }) });
    await expect(t.transcribe(voicemail)).rejects.toThrow(/could not be loaded: invalid model data \(bad magic\)/);
  });
});
