/**
 * Audio as it crosses the wire in the real-Asterisk tier: G.711 mu-law (what every test peer and
 * Asterisk negotiate), WAV files, and pcap files of RTP that SIPp's play_pcap_audio sends. Asterisk
 * turns an 8 kHz 16-bit WAV into mu-law with the standard G.711 table, so the bytes a caller receives
 * for a prompt are exactly the bytes encodeUlaw() gives for that file: what a caller heard can be
 * told by matching bytes, not guessed from loudness.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const EXPONENT = new Uint8Array(256);
for (let i = 0; i < 256; i++) EXPONENT[i] = i < 2 ? 0 : Math.floor(Math.log2(i));

/** One 16-bit sample as G.711 mu-law (bias 0x84, clip 32635), as Asterisk's codec_ulaw encodes it. */
export function ulawOf(sample: number): number {
  let x = sample;
  const sign = (x >> 8) & 0x80;
  if (sign) x = -x;
  if (x > 32635) x = 32635;
  x += 0x84;
  const e = EXPONENT[(x >> 7) & 0xff]!;
  const m = (x >> (e + 3)) & 0x0f;
  return ~(sign | (e << 4) | m) & 0xff;
}

/** Mu-law bytes of 16-bit samples. */
export function encodeUlaw(pcm: Int16Array): Buffer {
  const out = Buffer.alloc(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = ulawOf(pcm[i]!);
  return out;
}

/** A mu-law byte as a 16-bit sample. */
export function linearOf(u: number): number {
  const x = ~u & 0xff;
  const sign = x & 0x80;
  const e = (x >> 4) & 0x07;
  const m = x & 0x0f;
  const v = (((m << 3) + 0x84) << e) - 0x84;
  return sign ? -v : v;
}

/** The samples of a 16-bit PCM WAV file (its format chunk is trusted: the tier's files are 8 kHz mono). */
export function readWavPcm(file: string): { rate: number; pcm: Int16Array } {
  const b = readFileSync(file);
  let rate = 8000;
  for (let o = 12; o + 8 <= b.length; ) {
    const id = b.toString('ascii', o, o + 4);
    const n = b.readUInt32LE(o + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(o + 12);
    if (id === 'data') {
      const data = b.subarray(o + 8, o + 8 + n);
      return { rate, pcm: new Int16Array(data.buffer.slice(data.byteOffset, data.byteOffset + (data.length & ~1))) };
    }
    o += 8 + n + (n & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

/** Root-mean-square level of mu-law bytes, in 16-bit units (silence is under ~50). */
export function rms(ulaw: Uint8Array): number {
  if (ulaw.length === 0) return 0;
  let sum = 0;
  for (const u of ulaw) {
    const v = linearOf(u);
    sum += v * v;
  }
  return Math.sqrt(sum / ulaw.length);
}

/**
 * A pcap file of RTP packets (Ethernet/IPv4/UDP framing, as SIPp's play_pcap_audio reads it; SIPp
 * sends the RTP part from its own media socket to the address Asterisk gave in its SDP).
 */
export function writeRtpPcap(file: string, packets: readonly { readonly atMs: number; readonly rtp: Buffer }[]): void {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20);
  parts.push(header);
  for (const p of packets) {
    const udpLen = 8 + p.rtp.length;
    const frame = Buffer.alloc(14 + 20 + udpLen);
    frame.writeUInt16BE(0x0800, 12);
    frame[14] = 0x45;
    frame.writeUInt16BE(20 + udpLen, 16);
    frame[22] = 64;
    frame[23] = 17;
    Buffer.from([127, 0, 0, 2]).copy(frame, 26);
    Buffer.from([127, 0, 0, 1]).copy(frame, 30);
    frame.writeUInt16BE(6000, 34);
    frame.writeUInt16BE(6000, 36);
    frame.writeUInt16BE(udpLen, 38);
    p.rtp.copy(frame, 42);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(1_700_000_000 + Math.floor(p.atMs / 1000), 0);
    rec.writeUInt32LE(Math.round((p.atMs % 1000) * 1000), 4);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  }
  writeFileSync(file, Buffer.concat(parts));
}

/** The RTP packets of a pcap file (Ethernet/IPv4/UDP framing, as Debian's dtmf_2833_*.pcap are), with their times. */
export function readRtpPcap(file: string): { atMs: number; rtp: Buffer }[] {
  const b = readFileSync(file);
  const out: { atMs: number; rtp: Buffer }[] = [];
  let first: number | null = null;
  for (let o = 24; o + 16 <= b.length; ) {
    const at = b.readUInt32LE(o) * 1000 + b.readUInt32LE(o + 4) / 1000;
    const len = b.readUInt32LE(o + 8);
    const frame = b.subarray(o + 16, o + 16 + len);
    o += 16 + len;
    first ??= at;
    out.push({ atMs: at - first, rtp: Buffer.from(frame.subarray(42)) });
  }
  return out;
}

/**
 * One RTP stream for a whole call: every packet a caller sends (key presses from Debian's pcaps,
 * speech) gets the next sequence number, a timestamp after the last and the same SSRC. Debian's
 * pcaps each carry the numbers of their own capture: played as they are, a 9 then a 1 goes
 * backwards (Asterisk drops it as old) and 7, 7, 7 repeat one event (Asterisk hears one key).
 */
export class RtpStream {
  private seq = 1000;
  private ts = 160_000;

  constructor(private readonly ssrc = 0x5eed5eed) {}

  /** The packets renumbered to follow what this stream sent before. */
  follow(packets: readonly { atMs: number; rtp: Buffer }[]): { atMs: number; rtp: Buffer }[] {
    if (packets.length === 0) return [];
    const firstTs = packets[0]!.rtp.readUInt32BE(4);
    const firstSeq = packets[0]!.rtp.readUInt16BE(2);
    const base = this.ts;
    let lastTs = base;
    const out = packets.map((p) => {
      const rtp = Buffer.from(p.rtp);
      rtp.writeUInt16BE((this.seq + ((p.rtp.readUInt16BE(2) - firstSeq + 65536) % 65536)) & 0xffff, 2);
      lastTs = (base + ((p.rtp.readUInt32BE(4) - firstTs) >>> 0)) >>> 0;
      rtp.writeUInt32BE(lastTs, 4);
      rtp.writeUInt32BE(this.ssrc, 8);
      return { atMs: p.atMs, rtp };
    });
    this.seq = (this.seq + ((packets.at(-1)!.rtp.readUInt16BE(2) - firstSeq + 65536) % 65536) + 1) & 0xffff;
    // The next event starts well after this one ended (timestamps are in 8 kHz samples).
    this.ts = (lastTs + 8000 + Math.ceil((packets.at(-1)!.atMs / 1000) * 8000)) >>> 0;
    return out;
  }
}

/** RTP packets (payload type 0, 20 ms each) carrying mu-law audio, for writeRtpPcap. */
export function ulawRtp(ulaw: Buffer, ssrc = 0x5eed5eed): { atMs: number; rtp: Buffer }[] {
  const out: { atMs: number; rtp: Buffer }[] = [];
  for (let i = 0, seq = 1; i < ulaw.length; i += 160, seq++) {
    const rtp = Buffer.alloc(12 + 160, 0xff);
    rtp[0] = 0x80;
    rtp[1] = seq === 1 ? 0x80 : 0x00;
    rtp.writeUInt16BE(seq & 0xffff, 2);
    rtp.writeUInt32BE(i, 4);
    rtp.writeUInt32BE(ssrc, 8);
    ulaw.subarray(i, i + 160).copy(rtp, 12);
    out.push({ atMs: (i / 160) * 20, rtp });
  }
  return out;
}
