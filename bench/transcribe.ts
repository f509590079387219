/**
 * What transcribing a voicemail costs on this machine: pocketsphinx (Debian's program and model,
 * the clinic language model) on messages spoken by espeak-ng and stored as Asterisk stores them
 * (8 kHz). CPU is the recogniser's user + system time; one message is transcribed at a time, as
 * the engine does.
 */
import { pocketsphinxTranscriber } from '../src/transcribe/pocketsphinx.js';
import { spokenVoicemail } from '../test/support/speech.js';

const MESSAGES = [
  'Hello, this is John Smith. I have chest pain and I need to see the doctor today. Please call me back.',
  'Good morning, I need a refill of my blood pressure medication, please call me back.',
  "Hi, it's Mary. My son is bleeding from a cut and he can't breathe well. He fell at school this morning and hit his head. " +
    'Could someone call me back as soon as possible, my number is the number I am calling from. Thank you very much, bye.',
];

export interface TranscribeBench {
  readonly messages: number;
  readonly audio_seconds: number;
  readonly cpu_ms_per_message: number;
  readonly cpu_ms_per_audio_second: number;
  readonly wall_ms_per_message: number;
  readonly longest_message_s: number;
  readonly longest_message_cpu_ms: number;
}

export async function runTranscribeBench(rounds = 3): Promise<TranscribeBench> {
  const engine = pocketsphinxTranscriber({ phrases: ['chest pain', 'bleeding', "can't breathe"] });
  const wavs = MESSAGES.map((m) => spokenVoicemail(m));
  const seconds = wavs.map((w) => (w.length - 44) / 16000);
  await engine.prepare();
  let cpu = 0;
  let n = 0;
  const started = Date.now();
  const cpuOf = new Array<number>(wavs.length).fill(0);
  for (let r = 0; r < rounds; r++) {
    for (const [i, wav] of wavs.entries()) {
      const t = await engine.transcribe(wav);
      cpu += t.cpuMs;
      cpuOf[i] = (cpuOf[i] ?? 0) + t.cpuMs;
      n++;
    }
  }
  const wall = Date.now() - started;
  await engine.close();
  const audio = seconds.reduce((a, b) => a + b, 0) * rounds;
  const longest = seconds.indexOf(Math.max(...seconds));
  return {
    messages: n,
    audio_seconds: Math.round(audio * 10) / 10,
    cpu_ms_per_message: Math.round(cpu / n),
    cpu_ms_per_audio_second: Math.round(cpu / audio),
    wall_ms_per_message: Math.round(wall / n),
    longest_message_s: Math.round(seconds[longest]! * 10) / 10,
    longest_message_cpu_ms: Math.round(cpuOf[longest]! / rounds),
  };
}

export const formatTranscribe = (b: TranscribeBench) =>
  [
    `voicemail transcription (pocketsphinx, one at a time): ${b.messages} messages, ${b.audio_seconds} s of audio`,
    `  ${b.cpu_ms_per_message} ms CPU per message   ${b.cpu_ms_per_audio_second} ms CPU per second of audio   ${b.wall_ms_per_message} ms wall per message   longest (${b.longest_message_s} s): ${b.longest_message_cpu_ms} ms CPU`,
    '',
  ].join('\n');
