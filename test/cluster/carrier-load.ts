/**
 * The carrier sending calls to a clinic number through Kamailio: one SIPp process placing `calls`
 * calls at `rate` calls/s from the carrier's address; each is answered, held `holdMs` (sending
 * mu-law RTP from a pcap when one is given, as a talking caller does) and hung up by the caller.
 * Every answered and every ended call is logged with its Call-ID, so a test knows which calls
 * failed and can match them with Kamailio's routing log.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CarrierLoadOptions {
  readonly did: string;
  readonly calls: number;
  /** Calls per second. */
  readonly rate: number;
  readonly holdMs: number;
  /** The carrier's address and SIP port (Kamailio lets in only CARRIER_NETWORKS). */
  readonly from: string;
  readonly sipPort: number;
  readonly mediaPort: number;
  readonly kamailio: string;
  /** A pcap of mu-law RTP the caller sends while the call is up. */
  readonly audioPcap?: string;
}

export interface CarrierLoadResult {
  /** SIPp's exit code: 0 when every call went as scripted. */
  readonly code: number;
  /** Call-IDs that got a 200 OK, and those whose BYE was answered too. */
  readonly answered: ReadonlySet<string>;
  readonly ended: ReadonlySet<string>;
  /** SIPp's error log (unexpected messages, timeouts). */
  readonly errors: string;
  readonly startedAt: number;
  readonly endedAt: number;
}

const scenario = (audioPcap?: string) => `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="carrier calls to a clinic number">
  <send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Patient" <sip:+1512555[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:patient@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=carrier 1 1 IN IP4 [media_ip]
s=-
c=IN IP4 [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0
a=rtpmap:0 PCMU/8000
a=ptime:20
a=sendrecv
]]></send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rrs="true"/>
  <send><![CDATA[
ACK [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Patient" <sip:+1512555[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
[routes]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:patient@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
  <nop><action><log message="answered [call_id]"/>${audioPcap ? `<exec play_pcap_audio="${audioPcap}"/>` : ''}</action></nop>
  <pause/>
  <send retrans="500"><![CDATA[
BYE [next_url] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "Patient" <sip:+1512555[call_number]@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
[routes]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:patient@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
]]></send>
  <recv response="200"/>
  <nop><action><log message="ended [call_id]"/></action></nop>
</scenario>
`;

/** Places the calls; resolves when SIPp has finished them all. */
export async function carrierLoad(o: CarrierLoadOptions): Promise<CarrierLoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pbx-carrier-'));
  writeFileSync(join(dir, 'carrier.xml'), scenario(o.audioPcap));
  const logFile = join(dir, 'actions.log');
  const errorFile = join(dir, 'errors.log');
  // -max_retrans 3: an unanswered BYE (its node was killed) ends its call within seconds, not 32 s.
  const args = [o.kamailio, '-sf', 'carrier.xml', '-s', o.did.replace(/^\+/, ''), '-i', o.from, '-p', String(o.sipPort), '-mi', o.from, '-mp', String(o.mediaPort)];
  args.push('-r', String(o.rate), '-m', String(o.calls), '-l', String(Math.max(o.calls, 10)), '-d', String(o.holdMs), '-nostdin', '-max_retrans', '3', '-recv_timeout', '10000', '-timeout', '300s');
  args.push('-trace_logs', '-log_file', logFile, '-trace_err', '-error_file', errorFile);
  const startedAt = Date.now();
  const proc = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number>((resolve) => proc.once('exit', (c) => resolve(c ?? 99)));
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
  const ids = (what: string) => new Set([...log.matchAll(new RegExp(`${what} (\\S+)`, 'g'))].map((m) => m[1]!));
  return { code, answered: ids('answered'), ended: ids('ended'), errors: stderr + (existsSync(errorFile) ? readFileSync(errorFile, 'utf8') : ''), startedAt, endedAt: Date.now() };
}
