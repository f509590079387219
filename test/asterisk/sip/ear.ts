/**
 * What a SIP party actually heard: an RTP receiver on its own UDP port (the port the party's SDP
 * offers), and a library of the sound files Asterisk can play, so the received audio becomes a
 * timeline of prompts (by name), music on hold, other audio and silence.
 *
 * Asterisk plays a file in 20 ms frames from its start, so each 160-byte RTP payload of a prompt is
 * byte for byte a frame of the file's mu-law encoding; a frame that matches no file is other audio
 * (a person, tones), and no packets or quiet packets are silence.
 */
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { encodeUlaw, readWavPcm, rms } from './audio.js';

const FRAME = 160;
/** Below this RMS a frame is silence (16-bit units; G.711 idle noise is about 8). */
const QUIET = 64;

/** One received 20 ms frame. */
interface Frame {
  readonly at: number;
  readonly bytes: Buffer;
}

/** A stretch of what was heard. `sound` stretches name the file (`pbx-router/oncall-urgent-call`, `moh:<file>`). */
export type Heard =
  | { readonly kind: 'sound'; readonly name: string; readonly from: number; readonly to: number; readonly frames: number; readonly ofFrames: number }
  | { readonly kind: 'audio'; readonly from: number; readonly to: number }
  | { readonly kind: 'silence'; readonly from: number; readonly to: number };

/** Bytes per key, and the step between keys in a file (a received frame has several whole steps whatever its alignment). */
const KEY = 12;
const STEP = 24;

/**
 * Sound files indexed by short runs of their mu-law bytes. Asterisk's frames are not always aligned
 * with the file (music on hold is re-framed on its way through the bridge), so keys are taken every
 * STEP bytes of each file and looked up at every offset of what was received.
 */
export class SoundLibrary {
  private readonly keys = new Map<string, { name: string; at: number } | null>();
  private readonly loudFrames = new Map<string, number>();

  /** Adds every WAV under `dir` named by its path without `.wav` (prefix `moh:` for music). */
  addFolder(dir: string, prefix = ''): this {
    if (!existsSync(dir)) return this;
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (f.endsWith('.wav')) this.addFile(p, prefix + relative(dir, p).replace(/\.wav$/, ''));
      }
    };
    walk(dir);
    return this;
  }

  /** Adds one 8 kHz WAV file. */
  addFile(file: string, name = basename(file, '.wav')): this {
    const { rate, pcm } = readWavPcm(file);
    if (rate !== 8000) return this;
    const u = encodeUlaw(pcm);
    let loud = 0;
    for (let i = 0; i + FRAME <= u.length; i += FRAME) if (rms(u.subarray(i, i + FRAME)) >= QUIET) loud++;
    for (let i = 0; i + KEY <= u.length; i += STEP) {
      const k = u.subarray(i, i + KEY);
      if (rms(k) < QUIET) continue;
      const key = k.toString('latin1');
      const seen = this.keys.get(key);
      // A run of bytes found in two files tells nothing.
      if (seen === undefined) this.keys.set(key, { name, at: i });
      else if (seen && seen.name !== name) this.keys.set(key, null);
    }
    this.loudFrames.set(name, loud);
    return this;
  }

  /** The file most of a received frame comes from, if any (every offset of the frame is tried). */
  lookup(frame: Buffer): { name: string; index: number } | undefined {
    const votes = new Map<string, { n: number; at: number }>();
    for (let o = 0; o + KEY <= frame.length; o++) {
      const hit = this.keys.get(frame.toString('latin1', o, o + KEY));
      if (!hit) continue;
      const v = votes.get(hit.name);
      if (v) v.n++;
      else votes.set(hit.name, { n: 1, at: hit.at - o });
    }
    let best: [string, { n: number; at: number }] | undefined;
    for (const e of votes) if (!best || e[1].n > best[1].n) best = e;
    // A 20 ms frame of a file holds about FRAME / STEP keys; two agreeing are not chance.
    return best && best[1].n >= 2 ? { name: best[0], index: Math.max(0, Math.round(best[1].at / FRAME)) } : undefined;
  }

  /** How many loud 20 ms frames a sound has (to tell whether it was heard whole). */
  loudFramesOf(name: string): number {
    return this.loudFrames.get(name) ?? 0;
  }
}

/** An RTP receiver for one party; `timeline()` says what it heard. */
export class Ear {
  private readonly socket: Socket;
  private readonly received: Frame[] = [];
  readonly started = Date.now();
  port = 0;

  constructor(
    private readonly library: SoundLibrary,
    readonly address = '127.0.0.2',
  ) {
    this.socket = createSocket('udp4');
    this.socket.on('message', (m) => {
      // RTP: version 2, payload type 0 (PCMU); telephone-event and comfort noise are not audio.
      if (m.length < 12 || m[0]! >> 6 !== 2 || (m[1]! & 0x7f) !== 0) return;
      const cc = m[0]! & 0x0f;
      this.received.push({ at: Date.now(), bytes: m.subarray(12 + 4 * cc) });
    });
  }

  /** Binds a free UDP port (even, as RTP ports are). */
  async listen(): Promise<number> {
    for (;;) {
      const port = 60000 + 2 * Math.floor(Math.random() * 2500);
      const ok = await new Promise<boolean>((resolve) => {
        const onError = () => resolve(false);
        this.socket.once('error', onError);
        this.socket.bind(port, this.address, () => {
          this.socket.off('error', onError);
          resolve(true);
        });
      });
      if (ok) return (this.port = port);
    }
  }

  /** Stops listening. */
  close(): void {
    try {
      this.socket.close();
    } catch {
      // already closed
    }
  }

  /** Milliseconds of received audio. */
  audioMs(): number {
    return this.received.reduce((n, f) => n + f.bytes.length / 8, 0);
  }

  /** What was heard between `from` and `to` (ms since the ear started), merged into stretches. */
  timeline(from = 0, to = Date.now() - this.started): Heard[] {
    const out: Heard[] = [];
    let last = from;
    const push = (h: Heard) => {
      const prev = out.at(-1);
      if (prev && prev.kind === h.kind && (h.kind !== 'sound' || (prev.kind === 'sound' && prev.name === h.name)) && h.from - prev.to <= 60) {
        out[out.length - 1] = h.kind === 'sound' && prev.kind === 'sound' ? { ...prev, to: h.to, frames: prev.frames + h.frames } : { ...prev, to: h.to };
      } else out.push(h);
    };
    for (const f of this.received) {
      const at = f.at - this.started;
      if (at < from || at > to) continue;
      const start = at - f.bytes.length / 8;
      if (start - last > 60) push({ kind: 'silence', from: last, to: start });
      const hit = this.library.lookup(f.bytes);
      if (hit) push({ kind: 'sound', name: hit.name, from: start, to: at, frames: 1, ofFrames: this.library.loudFramesOf(hit.name) });
      else if (rms(f.bytes) < QUIET) push({ kind: 'silence', from: start, to: at });
      else push({ kind: 'audio', from: start, to: at });
      last = at;
    }
    if (to - last > 60 && to < Date.now() - this.started + 1) push({ kind: 'silence', from: last, to });
    return out;
  }

  /**
   * The names of the sounds heard, in order (music as `moh`), each counted once per stretch. A lone
   * 20 ms frame that matches some other sound in the middle of a prompt is chance (short runs of
   * mu-law bytes recur across files; seen under load: one frame of closed-after-hours inside
   * sms-sent), not a prompt heard: it is left out, and the prompt on both sides of it stays one.
   */
  sounds(from?: number, to?: number): string[] {
    const names: string[] = [];
    let joinable = false;
    for (const h of this.timeline(from, to)) {
      if (h.kind !== 'sound') {
        joinable = false;
        continue;
      }
      if (h.frames < 2 && h.ofFrames >= 2) continue;
      const name = h.name.startsWith('moh:') ? 'moh' : h.name;
      if (!(joinable && names.at(-1) === name)) names.push(name);
      joinable = true;
    }
    return names.filter((n, i, a) => n !== 'moh' || a[i - 1] !== 'moh');
  }

  /** The longest stretch of silence between `from` and `to` (ms). */
  longestSilence(from?: number, to?: number): number {
    return Math.max(0, ...this.timeline(from, to).filter((h) => h.kind === 'silence').map((h) => h.to - h.from));
  }

  /** Milliseconds since the ear started (the clock of the timeline). */
  now(): number {
    return Date.now() - this.started;
  }
}
